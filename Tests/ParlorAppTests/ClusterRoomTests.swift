import Foundation
import ParlorCrypto
import ParlorProtocol
import ParlorServer
import ParlorTestSupport
import Testing

/// A room across a relay cluster of real processes on loopback: a `nats-server`, three
/// `parlor serve --cluster` nodes sharing one key file, and headless members on different nodes.
@Suite(.serialized) struct ClusterRoomTests {
    static let title = "Cluster Title Kept Secret"
    static let names = ["Hostess Quill", "Listener Alder", "Listener Cedar", "Speaker Birch"]

    /// A node: its process, its port and the Prometheus text it serves.
    struct Node {
        let process: BackgroundProcess
        let port: String
        let key: String
        let metricsURL: String

        init(_ name: String, nats servers: String, keyFile: String, in dir: TemporaryDirectory) throws {
            process = try BackgroundProcess([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0", "--key-file", keyFile,
                                             "--metrics", "127.0.0.1:0", "--cluster", servers, "--node", name], in: dir)
            key = try process.waitForLine(startingWith: "relay key: ")
            metricsURL = try process.waitForLine(startingWith: "metrics: ")
            port = try process.waitForLine(startingWith: "relay ready: 127.0.0.1:")
        }

        func metric(_ name: String) throws -> Int {
            let text = try Command.run(["curl", "-s", metricsURL]).stdout
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("parlor_relay_\(name) ") })
            return Int(line.split(separator: " ").last!)!
        }

        /// `link` naming this node only (every node has the same key, so the link's pin holds).
        func link(_ link: String) throws -> String {
            var parsed = try InviteLink.parse(link)
            parsed.relay = RelayAddress(host: .ipv4("127.0.0.1"), port: UInt16(port)!)
            parsed.otherRelays = []
            return parsed.text
        }
    }

    @Test func aListenerOnAThirdNodeHearsTheSpeakerAsWellAsOneOnTheHostsNodeAndNATSCarriesNoIdentifier() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let parlor = try ParlorBinary.path()
        let nats = try NATSServerProcess()
        defer { nats.stop() }
        // Everything between the nodes goes through the NATS server's port: capture that.
        let capture = dir.path("nats.pcap")
        let natsPort = nats.url.split(separator: ":").last!
        let tcpdump = try BackgroundProcess(["tcpdump", "-i", "lo", "-U", "-s", "0", "-w", capture, "port \(natsPort)"], in: dir)
        let deadline = Date().addingTimeInterval(10)
        while !tcpdump.errors.contains("listening on"), Date() < deadline { usleep(20_000) }
        #expect(tcpdump.errors.contains("listening on"), "tcpdump runs (it needs CAP_NET_RAW): \(tcpdump.errors)")

        let keyFile = dir.path("relay.key")
        let a = try Node("a", nats: nats.url, keyFile: keyFile, in: dir)
        let b = try Node("b", nats: nats.url, keyFile: keyFile, in: dir)
        let c = try Node("c", nats: nats.url, keyFile: keyFile, in: dir)
        #expect(a.key == b.key && b.key == c.key)

        // The host names every node: it uses A, and its links name A, B and C.
        let host = try BackgroundProcess([parlor, "host", "--headless", "--server", [a, b, c].map { "127.0.0.1:\($0.port)" }.joined(separator: ","),
                                          "--relay-key", a.key, "--title", Self.title, "--name", Self.names[0]], in: dir, withInput: true)
        let created = try HeadlessFaceTests.json(try host.waitForLine(containing: "\"room_created\""))
        _ = try host.waitForLine(containing: "\"joined\"")
        let listenLink = try #require(created["listen_link"] as? String)
        let speakLink = try #require(created["speak_link"] as? String)
        #expect(try InviteLink.parse(listenLink).relays.map { String($0.port) } == [a.port, b.port, c.port])
        let listenerA = try BackgroundProcess([parlor, "listen", listenLink, "--name", Self.names[1], "--out", dir.path("a.wav"),
                                               "--duration", "16"], in: dir)
        let listenerC = try BackgroundProcess([parlor, "listen", try c.link(listenLink), "--name", Self.names[2],
                                               "--out", dir.path("c.wav"), "--duration", "16"], in: dir)
        _ = try listenerA.waitForLine(containing: "\"joined\"")
        _ = try listenerC.waitForLine(containing: "\"joined\"")
        let speech = try SpeechFixture.wav().path
        let speaker = try BackgroundProcess([parlor, "speak", try b.link(speakLink), "--input", speech, "--name", Self.names[3]], in: dir)
        #expect(speaker.waitForExit(timeout: 40) == 0, "\(speaker.errors)")
        #expect(listenerA.waitForExit(timeout: 40) == 0, "\(listenerA.errors)")
        #expect(listenerC.waitForExit(timeout: 40) == 0, "\(listenerC.errors)")
        #expect(HeadlessFaceTests.events(listenerC).contains { $0["event"] as? String == "speaking_started" })
        // C's events name the speaker on B and the host on A (profiles sealed end to end, passed
        // on by the authority on A): control reached every node.
        #expect(listenerC.output.contains(Self.names[3]) && listenerC.output.contains(Self.names[0]))

        let scoreA = try SpeechScore.pesq(reference: speech, degraded: dir.path("a.wav"), maxLagSeconds: 15)
        let scoreC = try SpeechScore.pesq(reference: speech, degraded: dir.path("c.wav"), maxLagSeconds: 15)
        let sent = try b.metric("cluster_media_sent_total")
        let (atA, atC) = (try a.metric("cluster_media_received_total"), try c.metric("cluster_media_received_total"))
        print("cluster: PESQ-WB on A (host's node) \(scoreA), on C \(scoreC); speaker's node published \(sent) frames, A received \(atA), C \(atC)")
        #expect(abs(scoreA - scoreC) <= 0.1)
        #expect(scoreC > 3.0)
        #expect(sent > 300, "the speech's frames left B")
        #expect(atA == sent && atC == sent, "each frame reached each other node with members once")
        #expect(try b.metric("cluster_media_received_total") == 0, "B hears nothing back of its own")
        #expect(try a.metric("cluster_rooms_led") == 1)

        #expect(host.stop() == 0)
        for node in [a, b, c] { #expect(node.process.stop() == 0) }
        tcpdump.stop(signal: SIGINT)

        // What crossed between the nodes: no title, name, link or secret, in any encoding.
        let link = try InviteLink.parse(listenLink)
        let keys = try RoomKeys(roomSecret: link.roomSecret, hostKey: link.hostKey)
        var needles: [(String, [UInt8])] = []
        for (what, text) in [("title", Self.title)] + Self.names.map({ ("name \($0)", $0) }) {
            let utf8 = Array(text.utf8)
            needles.append((what, utf8))
            needles.append((what + " (UTF-16LE)", text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }))
            needles.append((what + " (hex)", Array(utf8.map { String(format: "%02x", $0) }.joined().utf8)))
            needles.append((what + " (base64)", Array(Data(utf8).base64EncodedString().utf8)))
        }
        for (what, bytes) in [("room secret", keys.roomSecret), ("metadata key", keys.metadataKey)] {
            needles.append((what, bytes))
            needles.append((what + " (hex)", Array(bytes.map { String(format: "%02x", $0) }.joined().utf8)))
            needles.append((what + " (base64url)", Array(RelayKeyText.encode(bytes).utf8)))
            needles.append((what + " (base64)", Array(Data(bytes).base64EncodedString().utf8)))
        }
        // The room id in hex, as a subject or key would carry it (room names on NATS are keyed hashes).
        needles.append(("room id (hex)", Array(keys.roomID.map { String(format: "%02x", $0) }.joined().utf8)))
        for (what, text) in [("listen link", listenLink), ("speak link", speakLink)] {
            needles.append((what, Array(text.utf8)))
            needles.append((what + " key part", Array(text.split(separator: "#").last!.prefix(40).utf8)))
        }
        let wire = [UInt8](try Data(contentsOf: URL(fileURLWithPath: capture)))
        #expect(wire.count > 100_000, "the capture holds the room's inter-node traffic (\(wire.count) bytes)")
        let found = needles.filter { HeadlessFaceTests.contains(wire, $0.1) }.map(\.0)
        #expect(found.isEmpty, "crossed between the nodes: \(found)")
        print("cluster privacy: \(needles.count) needles, \(found.count) found in \(wire.count) bytes of inter-node capture")
    }

    /// A speaker whose link names two nodes (B, then C) loses B to SIGKILL: it reconnects to C by
    /// itself, joins again through the room's authority on A as a speaker, and a listener on C
    /// hears it again within 3 s.
    @Test func aSpeakerWhoseNodeDiesMovesToTheNextNodeOfItsLinkAndIsHeardAgainWithinThreeSeconds() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let parlor = try ParlorBinary.path()
        let nats = try NATSServerProcess()
        defer { nats.stop() }
        let keyFile = dir.path("relay.key")
        let a = try Node("a", nats: nats.url, keyFile: keyFile, in: dir)
        let b = try Node("b", nats: nats.url, keyFile: keyFile, in: dir)
        let c = try Node("c", nats: nats.url, keyFile: keyFile, in: dir)
        defer { for node in [a, b, c] { node.process.stop() } }
        let host = try BackgroundProcess([parlor, "host", "--headless", "--server", "127.0.0.1:\(a.port)", "--relay-key", a.key,
                                          "--title", Self.title, "--name", Self.names[0]], in: dir, withInput: true)
        defer { host.stop() }
        let created = try HeadlessFaceTests.json(try host.waitForLine(containing: "\"room_created\""))
        _ = try host.waitForLine(containing: "\"joined\"")
        let listener = try BackgroundProcess([parlor, "listen", try c.link(try #require(created["listen_link"] as? String)),
                                              "--name", Self.names[2]], in: dir)
        defer { listener.stop() }
        _ = try listener.waitForLine(containing: "\"joined\"")
        // The speaker's link names B first, then C.
        var speakLink = try InviteLink.parse(try b.link(try #require(created["speak_link"] as? String)))
        speakLink.otherRelays = [try InviteLink.parse(try c.link(speakLink.text)).relay]
        let speaker = try BackgroundProcess([parlor, "speak", speakLink.text, "--input", try SpeechFixture.wav().path, "--loop",
                                             "--name", Self.names[3]], in: dir)
        defer { speaker.stop() }
        _ = try listener.waitForLine(containing: "\"speaking_started\"", timeout: 20)
        Thread.sleep(forTimeInterval: 2)

        let killed = Date()
        #expect(b.process.stop(signal: SIGKILL) == 128 + SIGKILL)
        var heardAgain: Date?
        while heardAgain == nil, Date().timeIntervalSince(killed) < 10 {
            heardAgain = HeadlessFaceTests.events(listener)
                .filter { $0["event"] as? String == "speaking_started" }
                .map { Date(timeIntervalSince1970: Double($0["time"] as? Int ?? 0) / 1000) }
                .first { $0 > killed.addingTimeInterval(0.3) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let back = try #require(heardAgain, "the speaker was not heard again: \(speaker.output.suffix(2000))")
        let seconds = back.timeIntervalSince(killed)
        print("speaker's node killed: heard again through another node after \(String(format: "%.2f", seconds)) s")
        #expect(seconds < 3)
        let events = HeadlessFaceTests.events(speaker)
        #expect(events.contains { $0["event"] as? String == "reconnecting" })
        #expect(events.contains { $0["event"] as? String == "reconnected" }, "back in the room with the same role")
        #expect(try c.metric("sessions_open") >= 2, "the speaker is now on C with the listener")
    }

    /// Three NATS servers clustered, every node's list starting with the first: SIGKILL that one
    /// mid-speech. Every node reconnects to another server by itself, one node leads the room
    /// afterwards, and the listener on C hears the speaker to the end.
    ///
    /// Not yet held (docs/CLUSTER.md): "no member reconnects". When the killed server led the
    /// buckets' JetStream streams, electing a new leader takes longer than a lease's 1.5 s hold,
    /// so the authority steps down and the room's members reconnect (3 runs of 6); otherwise no
    /// member reconnects and no frame is lost (3 runs of 6). The test prints which happened.
    @Test func oneNATSServerOfThreeDiesAndEveryNodeCarriesOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let parlor = try ParlorBinary.path()
        let servers = try NATSServerProcess.cluster(of: 3)
        defer { for server in servers { server.stop() } }
        let urls = servers.map(\.url).joined(separator: ",")
        // JetStream elects its leader after the servers meet: make the buckets (three copies) once it has.
        let ready = Date()
        var made = false
        while !made, Date().timeIntervalSince(ready) < 30 {
            if let connection = try? NATSConnection(servers: servers.map(\.url), name: "test"),
               (try? NATSKeyValue(connection: connection, bucket: "parlor-leases", ttlMilliseconds: 2_000, replicas: 3)) != nil,
               (try? NATSKeyValue(connection: connection, bucket: "parlor-rooms", ttlMilliseconds: 0, replicas: 3)) != nil {
                made = true
                connection.close()
            } else {
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        try #require(made, "the NATS cluster never offered JetStream")
        let keyFile = dir.path("relay.key")
        let a = try Node("a", nats: urls, keyFile: keyFile, in: dir)
        let b = try Node("b", nats: urls, keyFile: keyFile, in: dir)
        let c = try Node("c", nats: urls, keyFile: keyFile, in: dir)
        defer { for node in [a, b, c] { node.process.stop() } }
        let host = try BackgroundProcess([parlor, "host", "--headless", "--server", "127.0.0.1:\(a.port)", "--relay-key", a.key,
                                          "--title", Self.title, "--name", Self.names[0]], in: dir, withInput: true)
        defer { host.stop() }
        let created = try HeadlessFaceTests.json(try host.waitForLine(containing: "\"room_created\""))
        _ = try host.waitForLine(containing: "\"joined\"")
        let listener = try BackgroundProcess([parlor, "listen", try c.link(try #require(created["listen_link"] as? String)),
                                              "--name", Self.names[2]], in: dir)
        defer { listener.stop() }
        _ = try listener.waitForLine(containing: "\"joined\"")
        let speaker = try BackgroundProcess([parlor, "speak", try b.link(try #require(created["speak_link"] as? String)),
                                             "--input", try SpeechFixture.wav().path, "--name", Self.names[3]], in: dir)
        _ = try listener.waitForLine(containing: "\"speaking_started\"", timeout: 20)
        Thread.sleep(forTimeInterval: 1)
        let killed = Date()
        #expect(servers[0].stop(signal: SIGKILL) == 128 + SIGKILL)
        #expect(speaker.waitForExit(timeout: 40) == 0, "\(speaker.errors)")
        Thread.sleep(forTimeInterval: 1)

        let sent = try b.metric("cluster_media_sent_total"), received = try c.metric("cluster_media_received_total")
        print("one NATS server of three killed: B published \(sent) frames, C received \(received) (\(sent - received) lost, \(20 * (sent - received)) ms)")
        let reconnected = [host, listener, speaker].filter { HeadlessFaceTests.events($0).contains { $0["event"] as? String == "reconnecting" } }
        let leaseChanges = try [a, b, c].map { try $0.metric("cluster_lease_changes_total") }.reduce(0, +)
        print("one NATS server of three killed: \(reconnected.count) of 3 members reconnected, \(leaseChanges) lease changes")
        for node in [a, b, c] { #expect(try node.metric("cluster_nats_reconnects_total") == 1, "every node moved to another server") }
        #expect(try [a, b, c].map { try $0.metric("cluster_rooms_led") }.reduce(0, +) == 1, "one node leads the room")
        #expect(sent > 300, "the speaker spoke on")
        let heardAfter = HeadlessFaceTests.events(listener).filter { $0["event"] as? String == "speaking_started" }
            .map { Double($0["time"] as? Int ?? 0) / 1000 }.filter { $0 > killed.timeIntervalSince1970 }
        #expect(!heardAfter.isEmpty, "the listener on C hears the speaker after the server died")
        if reconnected.isEmpty {
            #expect(sent - received <= 10, "without a step-down, at most 200 ms of frames lost between the nodes")
        }
    }

    /// The room's authority is SIGKILLed with the host on it: the host, whose link names every
    /// node, reconnects to the next; that node takes the room over within 3 s; members admitted
    /// through the dead authority on the other node are moved to the new one, and the listener
    /// hears the speaker again.
    @Test func theAuthoritysNodeDiesAndAnotherTakesTheRoomOverWithinThreeSeconds() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let parlor = try ParlorBinary.path()
        let nats = try NATSServerProcess()
        defer { nats.stop() }
        let keyFile = dir.path("relay.key")
        let a = try Node("a", nats: nats.url, keyFile: keyFile, in: dir)
        let b = try Node("b", nats: nats.url, keyFile: keyFile, in: dir)
        let c = try Node("c", nats: nats.url, keyFile: keyFile, in: dir)
        defer { for node in [a, b, c] { node.process.stop() } }
        let host = try BackgroundProcess([parlor, "host", "--headless", "--server", [a, b, c].map { "127.0.0.1:\($0.port)" }.joined(separator: ","),
                                          "--relay-key", a.key, "--title", Self.title, "--name", Self.names[0]], in: dir, withInput: true)
        defer { host.stop() }
        let created = try HeadlessFaceTests.json(try host.waitForLine(containing: "\"room_created\""))
        _ = try host.waitForLine(containing: "\"joined\"")
        let listener = try BackgroundProcess([parlor, "listen", try c.link(try #require(created["listen_link"] as? String)),
                                              "--name", Self.names[2]], in: dir)
        defer { listener.stop() }
        _ = try listener.waitForLine(containing: "\"joined\"")
        let speaker = try BackgroundProcess([parlor, "speak", try b.link(try #require(created["speak_link"] as? String)),
                                             "--input", try SpeechFixture.wav().path, "--loop", "--name", Self.names[3]], in: dir)
        defer { speaker.stop() }
        _ = try listener.waitForLine(containing: "\"speaking_started\"", timeout: 20)
        #expect(try a.metric("cluster_rooms_led") == 1)
        Thread.sleep(forTimeInterval: 1)

        let killed = Date()
        #expect(a.process.stop(signal: SIGKILL) == 128 + SIGKILL)
        var takenOver: Date?
        while takenOver == nil, Date().timeIntervalSince(killed) < 10 {
            if (try? b.metric("cluster_rooms_led")) == 1 || (try? c.metric("cluster_rooms_led")) == 1 { takenOver = Date() }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let takeover = try #require(takenOver, "no node took the room over").timeIntervalSince(killed)
        var heardAgain: Date?
        while heardAgain == nil, Date().timeIntervalSince(killed) < 15 {
            heardAgain = HeadlessFaceTests.events(listener)
                .filter { $0["event"] as? String == "speaking_started" }
                .map { Date(timeIntervalSince1970: Double($0["time"] as? Int ?? 0) / 1000) }
                .first { $0 > killed.addingTimeInterval(0.3) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let heard = try #require(heardAgain, "the listener never heard the speaker again").timeIntervalSince(killed)
        print("authority's node killed: room taken over after \(String(format: "%.2f", takeover)) s, speaker heard on C again after \(String(format: "%.2f", heard)) s")
        #expect(takeover < 3)
        #expect(HeadlessFaceTests.events(host).contains { $0["event"] as? String == "reconnected" }, "the host is back, as host")
        // The speaker is heard again: back on stage through the new authority (or kept by it, when
        // the node that took over is its own).
        #expect(heard < 6)
    }
}
