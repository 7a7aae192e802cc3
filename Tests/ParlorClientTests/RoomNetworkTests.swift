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
        var sources: [WAVFileSource] = []
        for index in rooms.indices {
            // FEC prepared from the start for what adaptation picks on a lossy line (6 %), so
            // that both rooms differ only in FEC: at 32 kbit/s a higher setting takes more from
            // every frame than the redundancy gives back (10 % scored 2.08–2.17 against
            // 2.10–2.13 without FEC).
            let settings = OpusSettings(inbandFEC: rooms[index].fec, expectedLossPercent: OpusSettings.lossyLineExpectedLoss)
            let source = try WAVFileSource(path: speech, loop: false)
            sources.append(source)
            let speaker = try TestMember.join(RoomIdentity(link: try speakLink(of: rooms[index].members[0]), name: "Speaker"),
                                              media: MediaIO(source: source), settings: settings)
            rooms[index].members.append(speaker)
        }
        // A file starts once its speaker holds the keys; half a second after both ended, their
        // last frames have played (30 ms of jitter).
        let seconds = Double(try WAVReader(path: speech).samples.count) / 48_000
        _ = rooms[0].members[0].events.wait(seconds + 10) { _ in sources.allSatisfy(\.finished) }
        try await Task.sleep(for: .seconds(0.5))
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
        // A second of media (50 packets) came, and the listener tried UDP meanwhile.
        _ = listener.events.wait(10) { _ in listener.client.statistics.media.packetsReceived > 50 && path.dropped > 0 }
        let (media, _, udp) = listener.client.statistics
        #expect(!udp)
        #expect(media.packetsReceived > 50)
        #expect(path.dropped > 0, "the listener did try UDP")
        for member in [speaker, listener, host] { member.client.stop() }
        path.stop()
    }

    /// A speaker on a clean line hears no loss, but its listener behind a lossy path reports its
    /// loss in its keepalives; the relay tells the speaker, whose packets start carrying a copy of
    /// the frame before (docs/PROTOCOL.md §6.2), with Opus FEC left planning for no loss; the
    /// listener then plays frames from those copies.
    /// (A partition between real processes is NetworkFaultTests' job.)
    @Test func aSpeakerOnACleanLineSendsCopiesForItsListenersLoss() async throws {
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
        #expect(speaker.client.statistics.media.redundantFrames == 0, "the speaker starts with no copies")
        let start = Date()
        var prepared: Double?
        while prepared == nil, Date().timeIntervalSince(start) < 20 {
            if speaker.client.statistics.media.redundantFrames > 0 { prepared = Date().timeIntervalSince(start) }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Two more seconds for copies to save frames at the listener.
        try await Task.sleep(for: .seconds(2))
        let media = speaker.client.statistics.media, heard = listener.client.statistics.media
        print(String(format: "listener loss reports: the speaker sends %d copies after %.1f s (FEC for %d %%); it heard %d frames, lost %d; ",
                     media.redundantFrames, prepared ?? -1, media.fecExpectedLossPercent, media.packetsReceived, media.lostFrames)
              + "the listener lost \(heard.lostFrames), \(heard.redundancyRecoveredFrames) played from copies")
        #expect(prepared != nil, "the speaker never sent copies for its listener's loss")
        #expect(media.redundantFrames >= 1, "one copy below 15 % loss, two above")
        #expect(media.fecExpectedLossPercent == 0, "FEC would ride beside the copy of the frame it rebuilds")
        #expect(media.lostFrames == 0, "the speaker's own line is clean")
        #expect(path.dropped > 0, "the listener's path really lost media")
        #expect(heard.redundancyRecoveredFrames > 0, "the listener played frames from the copies")
        for member in [speaker, listener, host] { member.client.stop() }
        path.stop()
    }

    /// The host's speak link, rebuilt from its state (the test keeps only the members).
    private func speakLink(of host: TestMember) throws -> InviteLink {
        try #require(host.speakLink)
    }

    /// Mouth to playback on loopback, on the path the product runs: the speaker's and the
    /// listener's `AudioEngine`s run the media loop each period (self-paced, as on the `file` and
    /// `null` devices); the speaker's microphone says a click every 400 ms, mid-frame, then 8 s
    /// of speech; the listener's speaker device notes when each click would start to play and
    /// records the speech. Both sides read the same monotonic clock. Every click heard is paired
    /// with the last one said before it (none is discarded); the speech scores against Opus alone
    /// in the same run. The sound card's own buffer comes on top of these figures.
    /// Listeners whose audio threads start a quarter period apart (`mouthToPlaybackLatencyOnLoopback`).
    static let phases = 4

    @Test func mouthToPlaybackLatencyOnLoopback() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let dir = try TemporaryDirectory()
        let room = try relay.hostRoom()
        let host = try TestMember.join(RoomIdentity(hosting: room, name: "Host", title: "Clicks", listed: false))
        #expect(host.events.wait { $0.contains { $0.name == "joined" } })
        // The product's period: 10 ms, half a frame (`OpusSettings.periodSamples`).
        let period = OpusSettings().periodSamples
        // Where a listener's audio thread is in its period when a frame arrives decides whether
        // it plays now or a period later: one listener's delay sits anywhere in a period-wide
        // band, set by the two clocks' phase. Four listeners whose threads start a quarter period
        // apart cover the band, as the listeners of a room do.
        let ears = (0..<Self.phases).map { _ in ClickSpeaker() }
        let listenerEngines = ears.map { AudioEngine(capture: NullAudioDevice(direction: .capture), playback: $0, frameSamples: period) }
        for engine in listenerEngines {
            try engine.start()
            usleep(useconds_t(OpusSettings.periodMilliseconds * 1_000 / Self.phases))
        }
        var listeners: [TestMember] = []
        for (index, engine) in listenerEngines.enumerated() {
            let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Ear \(index)"), media: MediaIO(engine: engine))
            #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
            listeners.append(listener)
        }
        defer { for engine in listenerEngines { engine.stop() } }
        let speech = try SpeechFixture.samples()
        // A click every 400 ms, after two seconds of silence while the listeners learn the
        // speaker's key (counted in periods).
        let periodsPerFrame = OpusSettings().frameSamples / period
        let mouth = ClickMicrophone(clicks: 32, everyFrames: 20 * periodsPerFrame, then: speech)
        mouth.leadFrames = 100 * periodsPerFrame
        let speakerEngine = AudioEngine(capture: mouth, playback: NullAudioDevice(direction: .playback), frameSamples: period)
        // The transport's latency, with the capture chain off: Speex's preprocessor gives out each
        // frame one frame late (its overlap-add) and WebRTC's noise suppressor 7 ms later, so the
        // default chain (echo cancellation on, 20 ms blocks) adds 27 ms (`CaptureProcessingTests`).
        let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Mouth"), media: MediaIO(engine: speakerEngine),
                                          capture: CaptureProcessor.Settings(echoCancellation: false, noiseSuppression: false, automaticGain: false))
        #expect(speaker.events.wait { $0.contains { $0.name == "joined" } })
        // The microphone starts once the listeners can hear it.
        try speakerEngine.start()
        defer { speakerEngine.stop() }
        let deadline = Date().addingTimeInterval(40)
        while !mouth.finished, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        try await Task.sleep(for: .seconds(1))
        let heardStatistics = listeners.map { $0.client.statistics.media }
        for member in [speaker] + listeners + [host] { member.client.stop() }
        speakerEngine.stop()
        for engine in listenerEngines { engine.stop() }

        let spoken = mouth.clicks
        var latencies: [Double] = []
        for (index, ear) in ears.enumerated() {
            let heard = ear.clicks(before: mouth.speechStarted)
            #expect(heard.count == spoken.count, "listener \(index) heard \(heard.count) of \(spoken.count) clicks")
            var own: [Double] = []
            for time in heard {
                let said = try #require(spoken.last { $0 < time }, "a click heard at \(time) before any was said")
                own.append((time - said) * 1000)
            }
            print(String(format: "listener %d: median %.1f ms; lost %d, stretched %d, shrunk %d", index, own.sorted()[own.count / 2],
                         heardStatistics[index].lostFrames, heardStatistics[index].stretchedFrames, heardStatistics[index].shrunkFrames))
            latencies += own
        }
        latencies.sort()
        try #require(latencies.count >= 25 * Self.phases, "heard \(latencies.count) of \(spoken.count * Self.phases) clicks")
        let p50 = latencies[latencies.count / 2], p95 = latencies[min(latencies.count - 1, latencies.count * 95 / 100)]
        print(String(format: "mouth-to-playback on loopback, 20 ms frames: p50 %.1f ms, p95 %.1f ms, max %.1f ms over %d clicks at %d listeners, jitter-buffer target %.1f ms (the sound card's buffer comes on top)",
                     p50, p95, latencies.last ?? 0, latencies.count, Self.phases, heardStatistics[0].jitterDelayMilliseconds))
        print("audio threads late: speaker \(speakerEngine.statistics.lateWakeups), listeners \(listenerEngines.map(\.statistics.lateWakeups))")
        // Measured p50 37.2–38.9 ms, p95 40.7–42.3 ms on an idle machine, up to 58.9 ms with
        // builds running (#15 asks p50 ≤ 45, p95 ≤ 60). With 20 ms frames the floor is 20 ms of
        // capture framing and the click's place in the played frame (it waits in the speaker's
        // frame what it is early in the listener's) + 6.5 ms of Opus lookahead + the jitter
        // buffer's target (4–5 ms) + the wait for the listener's next period (0–10 ms at 10 ms
        // periods; 20 ms periods gave p50 43.5–46.0 ms).
        #expect(p50 <= 42, "p50 \(p50) ms")
        #expect(p95 <= 60, "p95 \(p95) ms")
        let ear = ears[0]

        // The speech that followed, as the listener played it, against Opus alone.
        let reference = dir.path("speech.wav"), played = dir.path("played.wav"), alone = dir.path("opus-alone.wav")
        try writeWAV(speech, to: reference)
        try writeWAV(ear.recording(from: mouth.speechStarted), to: played)
        try opusAlone(reference, settings: OpusSettings(), output: alone)
        let aloneScore = try SpeechScore.pesq(reference: reference, degraded: alone)
        let score = try SpeechScore.pesq(reference: reference, degraded: played, maxLagSeconds: 2)
        print("PESQ-WB through the loop: \(score) (Opus alone: \(aloneScore))")
        #expect(score >= aloneScore - 0.1, "PESQ-WB \(score), Opus alone \(aloneScore)")
    }
}

/// A speaker's engine capturing the raw file `mic` and a listener's engine playing into the raw
/// file `ear`, each through the real alsa-lib `file` plugin, at `frameSamples` a period.
func hermeticEngines(mic: String, ear: String, frameSamples frame: Int) throws -> (mic: AudioEngine, ear: AudioEngine) {
    (try hermeticMicrophone(mic, frameSamples: frame), try hermeticEar(ear, frameSamples: frame))
}

/// A speaker's engine capturing the raw file `mic` through the real alsa-lib `file` plugin.
func hermeticMicrophone(_ mic: String, frameSamples frame: Int) throws -> AudioEngine {
    let capture = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.captureConfig(from: mic), .capture), frameSamples: frame)
    return AudioEngine(capture: capture, playback: NullAudioDevice(direction: .playback), frameSamples: frame)
}

/// A listener's engine playing into the raw file `ear` through the real alsa-lib `file` plugin.
func hermeticEar(_ ear: String, frameSamples frame: Int) throws -> AudioEngine {
    let playback = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.playbackConfig(to: ear), .playback), frameSamples: frame)
    return AudioEngine(capture: NullAudioDevice(direction: .capture), playback: playback, frameSamples: frame)
}

func writeWAV(_ samples: [Int16], to path: String) throws {
    let writer = try WAVWriter(path: path)
    defer { writer.close() }
    try samples.withUnsafeBufferPointer { try writer.write($0) }
}

/// A microphone that says "tick" and then speaks: silence with a 2 ms burst in the middle of
/// every n-th frame, `clicks` times, noting when each burst was said (the moment it left a
/// mouth), then `speech`, then silence. It does not pace: the engine paces itself.
final class ClickMicrophone: AudioDevice, @unchecked Sendable {
    let name = "click microphone"
    let direction = ALSAPCM.Direction.capture
    let xrunsRecovered = 0
    let pacesInRealTime = false
    let clickCount: Int
    let everyFrames: Int
    let speech: [Int16]
    /// Silent frames before the first click.
    var leadFrames = 0
    private var frames = 0
    private var speechPosition = 0
    private let lock = NSLock()
    private var spoken: [Double] = []
    private var speechStart = Double.infinity
    private var done = false

    init(clicks: Int, everyFrames: Int, then speech: [Int16]) {
        clickCount = clicks
        self.everyFrames = everyFrames
        self.speech = speech
    }

    var clicks: [Double] { lock.withLock { spoken } }
    /// When the speech's first sample left the mouth (infinity before).
    var speechStarted: Double { lock.withLock { speechStart } }
    var finished: Bool { lock.withLock { done } }

    func read(into frame: UnsafeMutableBufferPointer<Int16>) throws -> Int {
        frame.update(repeating: 0)
        frames += 1
        let now = monotonicSeconds()
        guard frames > leadFrames else { return frame.count }
        let frames = self.frames - leadFrames
        if frames <= clickCount * everyFrames {
            if frames % everyFrames == 0 {
                let middle = frame.count / 2
                for i in middle..<middle + 96 { frame[i] = (i / 12) % 2 == 0 ? 20_000 : -20_000 }
                // The frame is read once it is complete: its middle left the mouth half a frame ago.
                let said = now - Double(frame.count - middle) / 48_000
                lock.withLock { spoken.append(said) }
            }
        } else if frames > (clickCount + 1) * everyFrames {
            if speechPosition == 0 { lock.withLock { speechStart = now - Double(frame.count) / 48_000 } }
            let n = min(frame.count, speech.count - speechPosition)
            for i in 0..<n { frame[i] = speech[speechPosition + i] }
            speechPosition += n
            if speechPosition >= speech.count { lock.withLock { done = true } }
        }
        return frame.count
    }

    func write(_ frame: UnsafeBufferPointer<Int16>) throws -> Int { 0 }
    func close() {}
}

/// A speaker device that listens for clicks: the first loud sample after a quiet spell, timed
/// as the moment that sample starts to play (the frame starts when it is written); it also
/// keeps what it played, with when.
final class ClickSpeaker: AudioDevice, @unchecked Sendable {
    let name = "click speaker"
    let direction = ALSAPCM.Direction.playback
    let xrunsRecovered = 0
    let pacesInRealTime = false
    private let lock = NSLock()
    private var heard: [Double] = []
    private var quietSamples = 0
    private var played: [(at: Double, samples: [Int16])] = []

    func clicks(before time: Double) -> [Double] { lock.withLock { heard.filter { $0 < time } } }

    /// What it played from `time` on.
    func recording(from time: Double) -> [Int16] {
        lock.withLock { played.filter { $0.at + Double($0.samples.count) / 48_000 > time }.flatMap(\.samples) }
    }

    func read(into frame: UnsafeMutableBufferPointer<Int16>) throws -> Int { 0 }

    func write(_ frame: UnsafeBufferPointer<Int16>) throws -> Int {
        let now = monotonicSeconds()
        lock.withLock {
            for (i, sample) in frame.enumerated() {
                if abs(Int(sample)) > 6_000 {
                    if quietSamples > 4_800 { heard.append(now + Double(i) / 48_000) }
                    quietSamples = 0
                } else {
                    quietSamples += 1
                }
            }
            played.append((now, Array(frame)))
        }
        return frame.count
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
    /// it hears into another; the played file carries the speech. One sentence (3.9 s, 1.4 s of
    /// it above -30 dBFS) is enough for the half second of speech asked.
    @Test func theAudioEnginesCarryTheRoom() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let dir = try TemporaryDirectory()
        let speech = try SpeechFixture.samples(text: Self.simultaneousTexts[0])
        try speech.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir.path("mic.raw"))) }
        let frame = OpusSettings().frameSamples
        let (mic, ear) = try hermeticEngines(mic: dir.path("mic.raw"), ear: dir.path("ear.raw"), frameSamples: frame)
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
