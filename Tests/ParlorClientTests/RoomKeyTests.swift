import Foundation
import ParlorBench
import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorServer
import ParlorTestSupport
import Testing

extension RoomEndToEndTests {
    /// The host removes a listener: the room moves to a new epoch, sealed to everyone else, and the
    /// frames spoken after that do not decrypt with anything the removed listener holds — even
    /// for someone who captures every packet (a raw session in the room stands for that).
    @Test func aRemovedListenerCannotDecryptWhatFollows() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let room = try relay.hostRoom()
        let host = try TestMember.host(room, title: "Keys")
        #expect(host.events.wait { $0.contains { $0.name == "joined" } })
        let removed = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Mallory"))
        let stays = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Bob"))
        let speech = try SpeechFixture.wav().path
        let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Speaker"),
                                          media: MediaIO(source: WAVFileSource(path: speech, loop: true)))
        for member in [removed, stays, speaker] { #expect(member.events.wait { $0.contains { $0.name == "joined" } }) }
        #expect(stays.events.wait { $0.contains { $0.name == "speaking_started" } })

        // A packet capture that is in the room: it receives every forwarded frame.
        let tap = try RelaySocketSession(port: relay.address.port, relayKey: relay.key.publicKey)
        try tap.setUpMedia()
        _ = try tap.join(tap.joinMessage(roomID: room.keys.roomID, link: room.listenLink.admission))
        // Every join moves the room on: wait until the tap's has reached everyone.
        #expect(removed.events.wait { _ in removed.client.state.epochs.current == host.client.state.epochs.current })

        host.client.perform(.moderate(.remove, member: removed.id))
        #expect(removed.events.wait { $0.contains { $0.name == "removed" } })
        #expect(removed.client.wait() == .removed(banned: false))
        let removedEpoch = try #require(removed.client.state.epochs.current)
        #expect(stays.events.wait { _ in (stays.client.state.epochs.current ?? 0) > removedEpoch })
        let epoch = try #require(stays.client.state.epochs.current)
        #expect(speaker.events.wait { _ in speaker.client.state.epochs.current == epoch })

        // Frames from the new epoch: none opens with the removed member's keys, all with Bob's.
        let stage = stays.client.state.roster.stage.first { $0.card?.name == "Speaker" }
        let speakerEntry = try #require(stage)
        var fresh: [[UInt8]] = []
        let deadline = Date().addingTimeInterval(10)
        while fresh.count < 25, Date() < deadline {
            guard let payload = try tap.receiveMedia(),
                  let header = try? SFrameHeader.decode(payload.sframe).header, header.keyID >> 16 == epoch else { continue }
            fresh.append(payload.sframe)
        }
        #expect(fresh.count == 25)
        let removedKeys = removed.client.state.epochs
        let bobKeys = stays.client.state.epochs
        #expect(removedKeys.secrets[epoch] == nil && bobKeys.secrets[epoch] != nil)
        var asRemoved = try SFrameContext(suite: room.listenLink.suite)
        var asBob = try SFrameContext(suite: room.listenLink.suite)
        for (epoch, secret) in removedKeys.secrets {
            try asRemoved.setKey(try RoomKeys.senderKey(epochSecret: secret, senderSlot: speakerEntry.slot, boxKey: speakerEntry.boxKey),
                                 keyID: SFrameContext.keyID(epoch: epoch, senderSlot: speakerEntry.slot))
        }
        try asBob.setKey(try RoomKeys.senderKey(epochSecret: bobKeys.secrets[epoch]!, senderSlot: speakerEntry.slot, boxKey: speakerEntry.boxKey),
                         keyID: SFrameContext.keyID(epoch: epoch, senderSlot: speakerEntry.slot))
        #expect(fresh.allSatisfy { (try? asRemoved.unprotect($0)) == nil })
        #expect(fresh.allSatisfy { (try? asBob.unprotect($0)) != nil })
        // And Bob still hears the speaker, with a new safety code to compare.
        let codes = stays.events.all.compactMap { event -> String? in
            if case let .joined(_, _, _, code) = event { return code }
            if case let .rekeyed(_, code) = event { return code }
            return nil
        }
        #expect(Set(codes).count >= 2 && codes.last == speaker.client.state.safetyCode)
        let before = stays.client.statistics.media
        try await Task.sleep(for: .seconds(1))
        let after = stays.client.statistics.media
        #expect(after.packetsReceived - before.packetsReceived > 25)
        #expect(after.packetsRejected - before.packetsRejected < 3)
        for member in [speaker, stays, host] { member.client.stop() }
    }

    /// The relay restarts under a live room (same key, same port): every client gets
    /// `server_closing`, comes back by itself, the host re-creates the room, the speaker's grant
    /// puts it back on stage, and the listener's recording carries on through the gap.
    @Test func clientsRejoinAfterTheRelayRestarts() async throws {
        let key = X25519KeyPair.generate()
        let relay = try await TestRelay.start(key: key)
        let port = Int(relay.address.port)
        let dir = try TemporaryDirectory()
        let room = try relay.hostRoom()
        let host = try TestMember.host(room, title: "Restart")
        #expect(host.events.wait { $0.contains { $0.name == "joined" } })
        let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Stayer"),
                                           media: MediaIO(mixSinks: [WAVFileSink(path: dir.path("through.wav"))]))
        let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Talker"),
                                          media: MediaIO(source: WAVFileSource(path: try SpeechFixture.wav().path, loop: true)))
        #expect(listener.events.wait { $0.contains { $0.name == "speaking_started" } })
        let started = Date()
        // The recording is valid at every moment: where it stands now is where the restart begins.
        let restartSample = try WAVReader(path: dir.path("through.wav")).samples.count

        await relay.server.stop()
        // The new relay takes the old one's port, as a restarted relay would. Another test may
        // bind it for a moment in between (ports are shared by every test running): keep trying
        // for a while rather than fail on the first refusal.
        var again: TestRelay?
        let bindDeadline = Date().addingTimeInterval(10)
        while again == nil {
            do { again = try await TestRelay.start(key: key, port: port) } catch {
                guard Date() < bindDeadline else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let restarted = try #require(again)
        defer { Task { await restarted.server.stop() } }
        for member in [host, listener, speaker] {
            #expect(member.events.wait(30) { $0.contains { $0.name == "reconnected" } }, "\(member.events.all.map(\.name))")
        }
        #expect(listener.events.wait(20) { events in
            guard let back = events.lastIndex(where: { $0.name == "reconnected" }) else { return false }
            return events[back...].contains { $0.name == "speaking_started" }
        })
        #expect(speaker.client.state.me?.role == .speaker)
        #expect(host.client.state.me?.role == .host)
        try await Task.sleep(for: .seconds(2))
        for member in [speaker, listener, host] { member.client.stop() }
        let seconds = Double(try WAVReader(path: dir.path("through.wav")).samples.count) / 48_000
        let wall = Date().timeIntervalSince(started)
        // The frame clock writes a frame on every tick, silence included, so the length alone
        // cannot show a gap: measure the longest silence after the restart began, against the
        // longest pause in the speech itself.
        let samples = try WAVReader(path: dir.path("through.wav")).samples
        let gap = Self.longestSilence(samples[min(restartSample, samples.count)...])
        let pause = Self.longestSilence(try WAVReader(path: try SpeechFixture.wav().path).samples[...])
        print(String(format: "relay restart: recording %.2f s over %.2f s of wall time since the restart began; "
                     + "longest silence after it %.2f s (the speech's own longest pause %.2f s)", seconds, wall, gap, pause))
        #expect(seconds > wall - 1, "the recording kept its timeline through the restart")
        #expect(gap < Self.restartGapLimit, "the listener heard nothing for \(gap) s across the restart")
    }

    /// The longest silence across a relay restart the test accepts: relay down, clients back after
    /// the relay's `retry_after` (1 s) and backoff, the host first, then a new epoch for the room
    /// (measured 1.44–2.78 s).
    static let restartGapLimit = 4.0

    /// Seconds of the longest run of 20 ms frames whose RMS level is below -50 dBFS.
    static func longestSilence(_ samples: ArraySlice<Int16>) -> Double {
        let frame = 960
        var longest = 0, run = 0
        var start = samples.startIndex
        while start + frame <= samples.endIndex {
            let energy = samples[start..<start + frame].reduce(0.0) { $0 + Double($1) * Double($1) }
            let quiet = (energy / Double(frame)).squareRoot() < 32_768 * 0.003_16
            run = quiet ? run + 1 : 0
            longest = max(longest, run)
            start += frame
        }
        return Double(longest * frame) / 48_000
    }

    /// A relay over its handshake rate answers with cookies: clients come in on their second try.
    @Test func clientsGetInWithACookieWhenTheRelayIsBusy() async throws {
        var limits = RelayLimits()
        limits.handshakesPerSecond = 1
        let relay = try await TestRelay.start(limits: limits)
        defer { Task { await relay.server.stop() } }
        let room = try relay.hostRoom()
        let host = try TestMember.host(room, title: "Busy")
        let listeners = try (1...4).map { try TestMember.join(RoomIdentity(link: room.listenLink, name: "L\($0)")) }
        for member in [host] + listeners {
            #expect(member.events.wait { $0.contains { $0.name == "joined" } }, "\(member.events.all.map(\.name))")
        }
        #expect(relay.server.metrics.value(.cookieReplies) > 0)
        for member in listeners + [host] { member.client.stop() }
    }
}

extension RoomEndToEndTests {
    /// A host that lists its room puts its title and listen link in the relay's directory; an
    /// unlisted room stays out of it; the listed link joins.
    @Test func aPublicRoomIsListedWithALinkThatJoins() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let open = try relay.hostRoom()
        let host = try TestMember.join(RoomIdentity(hosting: open, name: "Ana", title: "Open mic 🎤", listed: true))
        let secret = try TestMember.host(try relay.hostRoom(), title: "Not for you")
        for member in [host, secret] { #expect(member.events.wait { $0.contains { $0.name == "joined" } }) }
        let rooms = try RelayDirectory.fetch(relay: relay.address, relayKey: relay.key.publicKey)
        #expect(rooms == [PublicRoom(title: "Open mic 🎤", link: open.listenLink.text, members: 1)])
        let visitor = try TestMember.join(RoomIdentity(link: try InviteLink.parse(rooms[0].link), name: "Visitor"))
        #expect(visitor.events.wait { $0.contains { $0.name == "joined" } })
        for member in [visitor, host, secret] { member.client.stop() }
    }
}
