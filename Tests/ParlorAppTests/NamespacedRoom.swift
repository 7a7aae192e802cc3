import Foundation
import ParlorTestSupport
import Testing

/// A room of real `parlor` processes on either side of a faulty link: the relay (`parlor serve`)
/// in one network namespace, everything it sends to the members passing a `NetworkFaultQueue` on
/// its veth; the headless host, a listener recording the mix, and (once started) a speaker
/// looping a file in the other namespace. `stop()` stops them all by PID, the speaker first.
final class NamespacedRoom {
    let faults: NetworkFaultQueue
    let relay: BackgroundProcess
    let host: BackgroundProcess
    let listener: BackgroundProcess
    private(set) var speaker: BackgroundProcess?
    /// The listener's recording of the mix, finalised by `stop()`.
    let recording: String
    private let members: NetworkNamespaces.End
    private let speakLink: String
    private let directory: TemporaryDirectory

    static let speakerName = "Speaker"

    /// Starts the relay on `net.left` behind the fault queue, then the host and the listener on
    /// `net.right`; returns once both members have joined.
    init(on net: NetworkNamespaces, in directory: TemporaryDirectory) throws {
        let parlor = try ParlorBinary.path()
        self.directory = directory
        members = net.right
        recording = directory.path("heard.wav")
        let relay = try BackgroundProcess(net.left.command([parlor, "serve", "--listen", "\(net.left.address):0",
                                                            "--key-file", directory.path("relay.key")]), in: directory)
        let key = try relay.waitForLine(startingWith: "relay key: ")
        let port = try relay.waitForLine(startingWith: "relay ready: \(net.left.address):")
        let faults = try NetworkFaultQueue(on: net.left, in: directory)
        let host = try BackgroundProcess(members.command([parlor, "host", "--headless", "--server", "\(net.left.address):\(port)",
                                                          "--relay-key", key, "--title", "Faults", "--name", "Host"]),
                                         in: directory, withInput: true)
        let created = try Self.json(try host.waitForLine(containing: "\"room_created\""))
        _ = try host.waitForLine(containing: "\"joined\"")
        let listener = try BackgroundProcess(members.command([parlor, "listen", try #require(created["listen_link"] as? String),
                                                              "--name", "Listener", "--out", recording]),
                                             in: directory, withInput: true)
        _ = try listener.waitForLine(containing: "\"joined\"")
        speakLink = try #require(created["speak_link"] as? String)
        (self.relay, self.faults, self.host, self.listener) = (relay, faults, host, listener)
    }

    /// Starts the speaker on `file`, looped; returns when it joined (its file starts then).
    /// Its FEC adapts as a user's does: a lone speaker hears no loss itself, so it follows the
    /// loss the listener reports through the relay.
    func startSpeaker(looping file: String) throws -> Date {
        let speaker = try BackgroundProcess(members.command([try ParlorBinary.path(), "speak", speakLink, "--input", file, "--loop",
                                                             "--name", Self.speakerName]), in: directory)
        self.speaker = speaker
        let joined = try Self.json(try speaker.waitForLine(containing: "\"joined\""))
        return Self.time(of: joined)
    }

    /// Stops every process (the listener's recording is finalised) and the fault queue.
    func stop() {
        for process in [speaker, listener, host, relay].compactMap({ $0 }) { process.stop() }
        faults.stop()
    }

    /// Every event a member printed.
    static func events(_ process: BackgroundProcess) -> [[String: Any]] {
        process.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The member's events named `name` (of the member called `member`, if given).
    func events(_ name: String, of process: BackgroundProcess, member: String? = nil) -> [[String: Any]] {
        Self.events(process).filter {
            $0["event"] as? String == name && (member == nil || ($0["member"] as? [String: Any])?["name"] as? String == member)
        }
    }

    /// Roster changes that mean somebody was lost, in any member's events.
    var departures: [String] {
        [host, listener, speaker].compactMap { $0 }.flatMap { process in
            Self.events(process).compactMap { event in
                let name = event["event"] as? String ?? ""
                return ["member_left", "speaker_removed", "removed", "room_ended"].contains(name) ? "\(event)" : nil
            }
        }
    }

    /// How many times the members started reconnecting.
    var reconnections: Int {
        [host, listener, speaker].compactMap { $0 }.reduce(0) { $0 + events("reconnecting", of: $1).count }
    }

    /// When an event happened (its `time`, milliseconds since the epoch).
    static func time(of event: [String: Any]) -> Date {
        Date(timeIntervalSince1970: Double(event["time"] as? Int ?? 0) / 1000)
    }

    static func json(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}
