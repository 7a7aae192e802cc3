import Foundation
import NIOCore
import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorServer
import ParlorTestSupport

/// Events a client emitted, collected across threads, with a patient wait for a condition.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [RoomEvent] = []

    var all: [RoomEvent] { lock.withLock { events } }

    func append(_ event: RoomEvent) { lock.withLock { events.append(event) } }

    /// Waits until `condition` holds for the events so far (true), or `seconds` pass (false).
    @discardableResult
    func wait(_ seconds: Double = 20, until condition: ([RoomEvent]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(all) { return true }
            usleep(20_000)
        }
        return condition(all)
    }

    func contains(_ name: String) -> Bool { all.contains { $0.name == name } }
}

/// A real relay in this process, on a loopback port of its own (real TCP and UDP).
struct TestRelay {
    let server: RelayServer
    let key: X25519KeyPair

    static func start(key: X25519KeyPair = .generate(), port: Int = 0, limits: RelayLimits = RelayLimits()) async throws -> TestRelay {
        TestRelay(server: try await RelayServer.start(.init(host: "127.0.0.1", port: port, key: key, limits: limits)), key: key)
    }

    var address: RelayAddress { RelayAddress(host: .ipv4("127.0.0.1"), port: UInt16(server.address.port!)) }

    func hostRoom() throws -> HostedRoom {
        try HostedRoom(relay: address, relayPublicKey: key.publicKey, now: UInt64(Date().timeIntervalSince1970))
    }
}

/// A room client with its event log.
struct TestMember {
    let client: RoomClient
    let events: EventLog
    /// For a host: its room's speak link.
    var speakLink: InviteLink?

    static func join(_ identity: RoomIdentity, media: MediaIO = MediaIO(), settings: OpusSettings = OpusSettings(),
                     adaptiveFEC: Bool = false, capture: CaptureProcessor.Settings = CaptureProcessor.Settings(),
                     redundantFrames: Int? = nil) throws -> TestMember {
        let events = EventLog()
        var configuration = RoomClient.Configuration()
        configuration.settings = settings
        configuration.adaptiveFEC = adaptiveFEC
        configuration.capture = capture
        configuration.redundantFrames = redundantFrames
        let client = try RoomClient(identity: identity, media: media, configuration: configuration) { events.append($0) }
        client.start()
        return TestMember(client: client, events: events)
    }

    /// The host of `room`, once it is in (members who come earlier find no room and give up).
    static func host(_ room: HostedRoom, title: String) throws -> TestMember {
        var host = try join(RoomIdentity(hosting: room, name: "Host", title: title, listed: false))
        host.speakLink = room.speakLink
        guard host.events.wait(until: { $0.contains { $0.name == "joined" } }) else { throw HostDidNotJoin(events: host.events.all.map(\.name)) }
        return host
    }

    struct HostDidNotJoin: Error, CustomStringConvertible {
        let events: [String]
        var description: String { "the host never joined its room; events: \(events)" }
    }

    var id: MemberID { client.state.identity.memberID }
}

/// Encodes and decodes a WAV file with Opus alone (no network), the reference a room's
/// recordings are held to.
func opusAlone(_ input: String, settings: OpusSettings, output: String) throws {
    let samples = try WAVReader(path: input).samples
    let encoder = try OpusEncoder(settings: settings)
    let decoder = try OpusDecoder(frameSamples: settings.frameSamples)
    let writer = try WAVWriter(path: output)
    defer { writer.close() }
    var start = 0
    while start + settings.frameSamples <= samples.count {
        let packet = try encoder.encode(Array(samples[start..<start + settings.frameSamples]))
        try writer.write(try decoder.decode(packet))
        start += settings.frameSamples
    }
}
