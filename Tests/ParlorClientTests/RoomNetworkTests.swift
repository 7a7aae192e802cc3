import Foundation
import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorTestSupport
import Testing

extension RoomEndToEndTests {
    /// 10 % of the datagrams from the relay to each listener are lost and the rest delayed by up
    /// to 30 ms (so they also reorder). Two rooms run side by side on one relay, one speaker with
    /// Opus FEC and one without, each heard by a listener behind the same impairment (same seed).
    @Test func lossAndJitterBetweenRelayAndListenerFECHelps() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let dir = try TemporaryDirectory()
        let speech = try SpeechFixture.wav().path
        var scores: [Bool: Double] = [:]
        var rooms: [(fec: Bool, members: [TestMember], path: ImpairedPath)] = []
        for fec in [true, false] {
            let room = try relay.hostRoom()
            let host = try TestMember.host(room, title: "Lossy")
            #expect(host.events.wait { $0.contains { $0.name == "joined" } })
            let path = try ImpairedPath(relayPort: relay.address.port, lossPercent: 10, jitterMilliseconds: 30)
            let listener = try TestMember.join(RoomIdentity(link: room.listenLink.through(path), name: "Far away"),
                                               media: MediaIO(mixSinks: [WAVFileSink(path: dir.path("fec-\(fec).wav"))]))
            #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
            rooms.append((fec, [host, listener], path))
        }
        for index in rooms.indices {
            // FEC prepared from the start for what adaptation picks on a lossy line (6 %), so
            // that both rooms differ only in FEC: at 32 kbit/s a higher setting takes more from
            // every frame than the redundancy gives back (10 % scored 2.08–2.17 against
            // 2.10–2.13 without FEC).
            let settings = OpusSettings(inbandFEC: rooms[index].fec, expectedLossPercent: OpusSettings.lossyLineExpectedLoss)
            let speaker = try TestMember.join(RoomIdentity(link: try speakLink(of: rooms[index].members[0]), name: "Speaker"),
                                              media: MediaIO(source: WAVFileSource(path: speech, loop: false)), settings: settings)
            rooms[index].members.append(speaker)
        }
        let seconds = Double(try WAVReader(path: speech).samples.count) / 48_000
        try await Task.sleep(for: .seconds(seconds + 2.5))
        for room in rooms {
            let stats = room.members[1].client.statistics.media
            for member in room.members.reversed() { member.client.stop() }
            room.path.stop()
            let score = try SpeechScore.pesq(reference: speech, degraded: dir.path("fec-\(room.fec).wav"), maxLagSeconds: 6)
            scores[room.fec] = score
            print("10 % loss, 30 ms jitter, FEC \(room.fec ? "on" : "off"): PESQ-WB \(score); " +
                  "dropped \(room.path.dropped) of \(room.path.dropped + room.path.passed) datagrams; " +
                  "listener lost \(stats.lostFrames) frames, FEC rebuilt \(stats.recoveredFrames)")
        }
        for room in rooms { #expect(room.path.dropped > 30, "media went through the impaired path (FEC \(room.fec))") }
        // README: FEC (fixed at 6 %) on 2.21–2.68, off 1.89–2.43; the floor sits just below the
        // lowest with FEC. Over the same seeded losses FEC gained 0.25 on average (−0.03 to 0.47 over
        // 6 pairs): one pair of runs through real sockets is too noisy to rank them, so it only must
        // not lose by more than that noise. That FEC beats concealment is asserted without a network,
        // where it is deterministic (SpeechQualityTests.pesqCleanAndWithLossWithAndWithoutFEC).
        #expect((scores[true] ?? 0) > 2.15, "speech under 10 % loss with FEC: PESQ-WB \(scores[true] ?? 0)")
        #expect((scores[true] ?? 0) > (scores[false] ?? 0) - 0.05, "FEC on \(scores[true] ?? 0) vs off \(scores[false] ?? 0)")
    }

    /// A listener whose network drops every UDP datagram, or only those coming in, still hears
    /// the room: its media comes inside the TCP control session, with nothing to configure.
    @Test(arguments: [true, false]) func blockedUDPFallsBackToTCP(bothWays: Bool) async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let room = try relay.hostRoom()
        let host = try TestMember.host(room, title: "No UDP")
        let path = try ImpairedPath(relayPort: relay.address.port, blocksUDP: bothWays, blocksInboundUDP: !bothWays)
        let listener = try TestMember.join(RoomIdentity(link: room.listenLink.through(path), name: "Behind a firewall"))
        let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Speaker"),
                                          media: MediaIO(source: WAVFileSource(path: try SpeechFixture.wav().path, loop: true)))
        #expect(listener.events.wait { $0.contains { $0.name == "speaking_started" } })
        try await Task.sleep(for: .seconds(2))
        let (media, _, udp) = listener.client.statistics
        #expect(!udp)
        #expect(media.packetsReceived > 50)
        #expect(path.dropped > 0, "the listener did try UDP")
        for member in [speaker, listener, host] { member.client.stop() }
        path.stop()
    }

    /// A speaker on a clean line hears no loss, but its listener behind a lossy path reports its
    /// loss in its keepalives; the relay tells the speaker, whose FEC goes from off to prepared.
    /// (A partition between real processes is NetworkFaultTests' job.)
    @Test func aSpeakerOnACleanLinePreparesFECForItsListenersLoss() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let room = try relay.hostRoom()
        let host = try TestMember.host(room, title: "Far listeners")
        let path = try ImpairedPath(relayPort: relay.address.port, lossPercent: 10, jitterMilliseconds: 0)
        let listener = try TestMember.join(RoomIdentity(link: room.listenLink.through(path), name: "On hotel wifi"))
        let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Speaker"),
                                          media: MediaIO(source: WAVFileSource(path: try SpeechFixture.wav().path, loop: true)),
                                          adaptiveFEC: true)
        #expect(listener.events.wait { $0.contains { $0.name == "speaking_started" } })
        #expect(speaker.client.statistics.media.fecExpectedLossPercent == 0, "the speaker starts with no FEC")
        let start = Date()
        var prepared: Double?
        while prepared == nil, Date().timeIntervalSince(start) < 20 {
            if speaker.client.statistics.media.fecExpectedLossPercent > 0 { prepared = Date().timeIntervalSince(start) }
            try await Task.sleep(for: .milliseconds(100))
        }
        let media = speaker.client.statistics.media
        print(String(format: "listener loss reports: the speaker's FEC prepared for %d %% after %.1f s; it heard %d frames, lost %d",
                     media.fecExpectedLossPercent, prepared ?? -1, media.packetsReceived, media.lostFrames))
        #expect(prepared != nil, "the speaker never prepared FEC for its listener's loss")
        #expect(media.fecExpectedLossPercent == Int(OpusSettings.lossyLineExpectedLoss))
        #expect(media.lostFrames == 0, "the speaker's own line is clean")
        #expect(path.dropped > 0, "the listener's path really lost media")
        for member in [speaker, listener, host] { member.client.stop() }
        path.stop()
    }

    /// The host's speak link, rebuilt from its state (the test keeps only the members).
    private func speakLink(of host: TestMember) throws -> InviteLink {
        try #require(host.speakLink)
    }

    /// Mouth to playback on loopback: a click every 400 ms is spoken mid-frame; the listener's
    /// mix sink notes when each click reaches it. Both sides read the same monotonic clock.
    @Test func mouthToPlaybackLatencyOnLoopback() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let room = try relay.hostRoom()
        let host = try TestMember.join(RoomIdentity(hosting: room, name: "Host", title: "Clicks", listed: false))
        #expect(host.events.wait { $0.contains { $0.name == "joined" } })
        let ear = ClickDetector()
        let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Ear"), media: MediaIO(mixSinks: [ear]))
        #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
        let mouth = ClickSource(everyFrames: 20)
        let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Mouth"), media: MediaIO(source: mouth))
        #expect(speaker.events.wait { $0.contains { $0.name == "joined" } })
        try await Task.sleep(for: .seconds(12))
        let target = listener.client.statistics.media.jitterDelayMilliseconds
        for member in [speaker, listener, host] { member.client.stop() }

        let spoken = mouth.clicks
        let heard = ear.clicks
        // Pair each heard click with the last click spoken before it (clicks are 400 ms apart).
        var latencies: [Double] = []
        for time in heard {
            if let said = spoken.last(where: { $0 < time }), time - said < 0.3 { latencies.append((time - said) * 1000) }
        }
        latencies.sort()
        #expect(latencies.count >= spoken.count / 2, "heard \(heard.count) of \(spoken.count) clicks")
        guard !latencies.isEmpty else { return }
        let p50 = latencies[latencies.count / 2], p95 = latencies[min(latencies.count - 1, latencies.count * 95 / 100)]
        print(String(format: "mouth-to-playback on loopback, 20 ms frames: p50 %.1f ms, p95 %.1f ms over %d clicks, jitter-buffer target %.1f ms (the sound card's buffer comes on top)",
                     p50, p95, latencies.count, target))
        #expect(p50 < 120, "p50 \(p50) ms")
    }
}

/// A microphone that says "tick": silence with a 2 ms burst in the middle of every n-th frame,
/// noting when each burst was spoken (the moment it would have left a mouth).
final class ClickSource: FrameSource, @unchecked Sendable {
    let everyFrames: Int
    private var frames = 0
    private let lock = NSLock()
    private var spoken: [Double] = []

    init(everyFrames: Int) { self.everyFrames = everyFrames }

    var clicks: [Double] { lock.withLock { spoken } }

    func read(into frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
        frame.update(repeating: 0)
        frames += 1
        if frames % everyFrames == 0 {
            let middle = frame.count / 2
            for i in middle..<middle + 96 { frame[i] = (i / 12) % 2 == 0 ? 20_000 : -20_000 }
            // The frame is read once it is complete: its middle left the mouth half a frame ago.
            let said = monotonicSeconds() - Double(frame.count - middle) / 48_000
            lock.withLock { spoken.append(said) }
        }
        return true
    }
}

/// A speaker that listens for clicks: the first loud sample after a quiet spell, timed as the
/// moment that sample would start to play.
final class ClickDetector: FrameSink, @unchecked Sendable {
    private let lock = NSLock()
    private var heard: [Double] = []
    private var quietSamples = 0

    var clicks: [Double] { lock.withLock { heard } }

    func write(_ frame: UnsafeBufferPointer<Int16>) {
        let now = monotonicSeconds()
        for (i, sample) in frame.enumerated() {
            if abs(Int(sample)) > 6_000 {
                if quietSamples > 4_800 { lock.withLock { heard.append(now + Double(i) / 48_000) } }
                quietSamples = 0
            } else {
                quietSamples += 1
            }
        }
    }

    func close() {}
}

func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

extension RoomEndToEndTests {
    /// Microphone to speaker through the audio engines: the speaker's engine captures speech from
    /// the real alsa-lib `file` plugin on its real-time thread, the listener's engine plays what
    /// it hears into another; the played file carries the speech.
    @Test func theAudioEnginesCarryTheRoom() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let dir = try TemporaryDirectory()
        let speech = try SpeechFixture.samples()
        try speech.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir.path("mic.raw"))) }
        let frame = OpusSettings().frameSamples
        let mic = AudioEngine(capture: try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.captureConfig(from: dir.path("mic.raw")), .capture), frameSamples: frame),
                              playback: NullAudioDevice(direction: .playback), frameSamples: frame)
        let ear = AudioEngine(capture: NullAudioDevice(direction: .capture),
                              playback: try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.playbackConfig(to: dir.path("ear.raw")), .playback), frameSamples: frame),
                              frameSamples: frame)
        let room = try relay.hostRoom()
        let host = try TestMember.host(room, title: "Engines")
        let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Ear"), media: MediaIO(mixSinks: [PlaybackRingSink(ring: ear.toPlay)]))
        #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
        try ear.start()
        let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Mic"), media: MediaIO(source: CaptureRingSource(ring: mic.captured)))
        #expect(speaker.events.wait { $0.contains { $0.name == "joined" } })
        try mic.start()
        #expect(listener.events.wait { $0.contains { $0.name == "speaking_started" } })
        try await Task.sleep(for: .seconds(Double(speech.count) / 48_000))
        mic.stop()
        ear.stop()
        for member in [speaker, listener, host] { member.client.stop() }
        let played = try Data(contentsOf: URL(fileURLWithPath: dir.path("ear.raw"))).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let loud = played.filter { abs(Int($0)) > 1_000 }.count
        print("engines: \(played.count) samples played, \(loud) above -30 dBFS; mic xruns \(mic.statistics.xruns), ear underflows \(ear.statistics.playbackUnderflows)")
        #expect(loud > 48_000 / 2, "half a second of speech-level samples at least")
    }
}
