import Foundation
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorTestSupport
import Testing

/// The headless faces as scripts run them: real `parlor` processes, a real `parlor serve`, JSON
/// lines out and commands in, stopped by PID.
@Suite(.serialized) struct HeadlessFaceTests {
    static let title = "Secret garden party 🌷"
    static let names = ["Hostname Zoë", "Listener Quincy", "Speaker Xavier"]

    /// A relay process and a headless host on it; returns the host's `room_created` event.
    /// `beforeHost` runs once the relay's port is known (the privacy test starts its capture there).
    static func startRoom(in dir: TemporaryDirectory, beforeHost: (String) throws -> Void = { _ in })
        throws -> (relay: BackgroundProcess, host: BackgroundProcess, created: [String: Any]) {
        let parlor = try ParlorBinary.path()
        let relay = try BackgroundProcess([parlor, "serve", "--listen", "127.0.0.1:0", "--key-file", dir.path("relay.key")], in: dir)
        let key = try relay.waitForLine(startingWith: "relay key: ")
        let port = try relay.waitForLine(startingWith: "relay ready: 127.0.0.1:")
        try beforeHost(port)
        let host = try BackgroundProcess([parlor, "host", "--headless", "--server", "127.0.0.1:\(port)", "--relay-key", key,
                                          "--title", title, "--name", names[0]], in: dir, withInput: true)
        let created = try json(try host.waitForLine(containing: "\"room_created\""))
        _ = try host.waitForLine(containing: "\"joined\"")
        return (relay, host, created)
    }

    static func json(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    static func events(_ process: BackgroundProcess) -> [[String: Any]] {
        process.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Everything a room's processes sent over loopback, captured by tcpdump, and everything the
    /// relay printed: none of the title, the names, the room secret, the room id or the links
    /// appears, in any encoding. The session was real: the listener heard the speaker.
    @Test func noIdentifierOnTheWireOrInTheRelaysOutput() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let parlor = try ParlorBinary.path()
        let capture = dir.path("room.pcap")
        var tcpdump: BackgroundProcess?
        // Everything of the room goes to or from the relay's port: capture that (and nothing else
        // that happens to use loopback meanwhile).
        let (relay, host, created) = try Self.startRoom(in: dir) { port in
            let started = try BackgroundProcess(["tcpdump", "-i", "lo", "-U", "-s", "0", "-w", capture, "port \(port)"], in: dir)
            let deadline = Date().addingTimeInterval(10)
            while !started.errors.contains("listening on"), Date() < deadline { usleep(20_000) }
            #expect(started.errors.contains("listening on"), "tcpdump runs (it needs CAP_NET_RAW): \(started.errors)")
            tcpdump = started
        }
        let listenLink = try #require(created["listen_link"] as? String)
        let speakLink = try #require(created["speak_link"] as? String)
        let listener = try BackgroundProcess([parlor, "listen", listenLink, "--name", Self.names[1], "--out", dir.path("heard.wav"),
                                              "--duration", "9"], in: dir)
        _ = try listener.waitForLine(containing: "\"joined\"")
        let speaker = try BackgroundProcess([parlor, "speak", speakLink, "--input", try SpeechFixture.wav().path,
                                             "--name", Self.names[2]], in: dir)
        #expect(listener.waitForExit(timeout: 30) == 0, "\(listener.errors)")
        // The listener heard its 9 s; the speaker leaves then (SIGTERM), not at the end of its file.
        #expect(speaker.stop() == 0, "\(speaker.errors)")
        #expect(host.stop() == 0)
        #expect(relay.stop() == 0)
        tcpdump?.stop(signal: SIGINT)
        #expect(Self.events(listener).contains { $0["event"] as? String == "speaking_started" })

        let link = try InviteLink.parse(listenLink)
        let keys = try RoomKeys(roomSecret: link.roomSecret, hostKey: link.hostKey)
        var needles: [(String, [UInt8])] = []
        // The title and names in every encoding they could leak in: UTF-8, UTF-16 both ways, hex, base64.
        for (what, text) in [("title", Self.title)] + Self.names.map({ ("name \($0)", $0) }) {
            let utf8 = Array(text.utf8)
            needles.append((what, utf8))
            needles.append((what + " (UTF-16LE)", text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }))
            needles.append((what + " (UTF-16BE)", text.utf16.flatMap { [UInt8($0 >> 8), UInt8(truncatingIfNeeded: $0)] }))
            needles.append((what + " (hex)", Array(utf8.map { String(format: "%02x", $0) }.joined().utf8)))
            needles.append((what + " (base64)", Array(Data(utf8).base64EncodedString().utf8)))
        }
        for (what, bytes) in [("room secret", keys.roomSecret), ("room id", keys.roomID), ("metadata key", keys.metadataKey),
                              ("host key", keys.hostKey), ("listen link key", link.admission.linkKey.publicKey)] {
            needles.append((what, bytes))
            needles.append((what + " (hex)", Array(bytes.map { String(format: "%02x", $0) }.joined().utf8)))
            needles.append((what + " (base64url)", Array(RelayKeyText.encode(bytes).utf8)))
            needles.append((what + " (base64)", Array(Data(bytes).base64EncodedString().utf8)))
        }
        for (what, text) in [("listen link", listenLink), ("speak link", speakLink)] {
            needles.append((what, Array(text.utf8)))
            needles.append((what + " key part", Array(text.split(separator: "#").last!.prefix(40).utf8)))
        }
        let wire = [UInt8](try Data(contentsOf: URL(fileURLWithPath: capture)))
        #expect(wire.count > 100_000, "the capture holds the session (\(wire.count) bytes)")
        #expect(wire.count < 20_000_000, "the capture holds the room's traffic only (\(wire.count) bytes)")
        let relayOutput = Array((relay.output + relay.errors).utf8)
        for (what, needle) in needles {
            #expect(!Self.contains(wire, needle), "\(what) is on the wire")
            #expect(!Self.contains(relayOutput, needle), "\(what) is in the relay's output")
        }
        print("privacy: \(needles.count) needles, none in \(wire.count) bytes of capture or \(relayOutput.count) bytes of relay output")
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return false }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, Array(haystack[i..<i + needle.count]) == needle { return true }
            i += 1
        }
        return false
    }

    /// A listener raises its hand by a command on stdin; the host sees it and invites it by
    /// another; it comes on stage in both event streams. Bad command lines get an `error` event.
    @Test func handRaisedInvitedAndOnStageThroughCommands() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, host, created) = try Self.startRoom(in: dir)
        let listener = try BackgroundProcess([try ParlorBinary.path(), "listen", try #require(created["listen_link"] as? String),
                                              "--name", "Curious", "--no-audio"], in: dir, withInput: true)
        let joined = try Self.json(try listener.waitForLine(containing: "\"joined\""))
        let me = try #require((joined["you"] as? [String: Any])?["id"] as? String)
        listener.send("{\"command\":\"raise_hand\"}")
        _ = try host.waitForLine(containing: "\"hand_raised\"")
        host.send("{\"command\":\"invite_to_stage\",\"member\":\"\(me)\"}")
        let added = try Self.json(try host.waitForLine(containing: "\"speaker_added\""))
        #expect((added["member"] as? [String: Any])?["name"] as? String == "Curious")
        let changed = try Self.json(try listener.waitForLine(containing: "\"role_changed\""))
        #expect((changed["member"] as? [String: Any])?["role"] as? String == "speaker")
        host.send("not json")
        host.send("{\"command\":\"fly\"}")
        let bad = try Self.json(try host.waitForLine(containing: "unknown command"))
        #expect(bad["event"] as? String == "error")
        listener.send("{\"command\":\"leave\"}")
        #expect(listener.waitForExit(timeout: 10) == 0)
        host.send("{\"command\":\"end_room\"}")
        #expect(host.waitForExit(timeout: 10) == 0)
        relay.stop()
    }

    @Test func badLinksAndOptionsSayWhatIsWrong() throws {
        let parlor = try ParlorBinary.path()
        let bad = try Command.runAllowingFailure([parlor, "listen", "parlor://example.org/#abc"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("not a Parlor invite link"))
        let http = try Command.runAllowingFailure([parlor, "listen", "https://example.org/"])
        #expect(http.status == 64)
        let noWAV = try Command.runAllowingFailure([parlor, "speak", "parlor://127.0.0.1:1/#AQ", "--input", "/nonexistent.wav"])
        #expect(noWAV.status == 64)
        let bitrate = try Command.runAllowingFailure([parlor, "speak", "x", "--input", "y", "--bitrate", "5"])
        #expect(bitrate.stderr.contains("--bitrate must be from 16000 to 64000"))
    }

    /// Before the room, each kind of failure ends with its sysexits(3) status (docs/HEADLESS.md).
    @Test func failuresBeforeTheRoomExitWithTheirSysexitsStatus() throws {
        let parlor = try ParlorBinary.path()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let room = try HostedRoom(relay: try RelayAddress(parsing: "127.0.0.1:1"), relayPublicKey: X25519KeyPair.generate().publicKey,
                                  now: UInt64(Date().timeIntervalSince1970))
        let notWAV = dir.path("speech.txt")
        try Data("not a WAV".utf8).write(to: URL(fileURLWithPath: notWAV))
        for (arguments, status, says) in [
            (["listen", room.listenLink.text, "--no-audio", "--out", dir.path("x.wav")], 64, "--no-audio records nothing"),
            (["speak", room.speakLink.text, "--input", dir.path("none.wav")], 66, "--input"),
            (["speak", room.speakLink.text, "--input", notWAV], 65, "--input"),
            (["listen", room.listenLink.text, "--out", dir.path("no/such/folder/x.wav")], 73, "--out"),
            (["listen", room.listenLink.text, "--events", dir.path("no/such/folder/e.jsonl")], 73, "--events"),
        ] as [([String], Int32, String)] {
            let result = try Command.runAllowingFailure([parlor] + arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("parlor: ") && result.stderr.contains(says), "\(arguments): \(result.stderr)")
        }
    }
}
