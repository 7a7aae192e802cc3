import Foundation
import ParlorAudio
import ParlorClient
import ParlorTestSupport
import Testing

extension RoomEndToEndTests {
    /// What a listener hears of one speaker whose microphone is the real alsa-lib `file` plugin
    /// reading `input`, with the speaker's capture chain set to `capture`; one room each on
    /// `relay`, all at once.
    static func heardThroughTheRoom(_ inputs: [(name: String, samples: [Int16], capture: CaptureProcessor.Settings)],
                                    relay: TestRelay, in dir: TemporaryDirectory) async throws -> [String: [Int16]] {
        let frame = OpusSettings().frameSamples
        var running: [(members: [TestMember], mic: AudioEngine)] = []
        for input in inputs {
            let raw = dir.path("\(input.name).raw")
            try input.samples.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: raw)) }
            let mic = AudioEngine(capture: try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.captureConfig(from: raw), .capture), frameSamples: frame),
                                  playback: NullAudioDevice(direction: .playback), frameSamples: frame)
            let room = try relay.hostRoom()
            let host = try TestMember.host(room, title: input.name)
            let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Ear"),
                                               media: MediaIO(mixSinks: [WAVFileSink(path: dir.path("\(input.name).wav"))]))
            #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
            let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Mic"), media: MediaIO(engine: mic), capture: input.capture)
            #expect(speaker.events.wait { $0.contains { $0.name == "joined" } })
            running.append(([speaker, listener, host], mic))
        }
        for room in running { try room.mic.start() }
        let longest = inputs.map(\.samples.count).max() ?? 0
        try await Task.sleep(for: .seconds(Double(longest) / 48_000 + 1.5))
        for room in running {
            room.mic.stop()
            for member in room.members { member.client.stop() }
        }
        var heard: [String: [Int16]] = [:]
        for input in inputs { heard[input.name] = try WAVReader(path: dir.path("\(input.name).wav")).samples }
        return heard
    }

    /// The level of the loudest half of the 20 ms frames, in dB: speech's level with the
    /// silence around it left out.
    static func activeLevel(_ samples: [Int16]) -> Double {
        let frame = 960
        let powers = stride(from: 0, to: samples.count - frame + 1, by: frame).map { start in
            samples[start..<start + frame].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(frame)
        }.sorted()
        let loud = powers.suffix(max(1, powers.count / 2))
        return 10 * log10(max(loud.reduce(0, +) / Double(loud.count), 1e-12))
    }

    /// A speaker's microphone through the product's capture chain, a real relay and a listener:
    /// speech recorded 20 dB too quiet reaches the listener within 6 dB of the same speech at
    /// its normal level (measured 0.3 dB, bound 2; without gain control it stays 18 dB down);
    /// speech in white noise at 5 dB SNR scores higher at the listener with noise suppression
    /// on than off (measured 1.07 → 1.56–1.61, +0.49 to +0.54 in 6 runs; #17 asks +0.4, bound
    /// 0.45), and speech in a quiet room's noise floor loses nothing (3.15–3.20 → 3.53–3.54; #17
    /// allows −0.1). Earlier figures (+0.27 to +0.31) were the test's: its noisy speech began at
    /// once, and a speaker sends only once it holds the room's keys, so the listener got the
    /// speech cut; through the chain and Opus alone the same input gained +0.50.
    @Test func levelAndNoiseAtTheListener() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let speech = try SpeechFixture.samples()
        let twice = speech + speech
        let quiet = twice.map { $0 / 10 }
        // The noisy room is noisy for 2 s before the speaker talks: a speaker sends only once it
        // holds the room's keys (about 1 s after it joins), and what its microphone took before
        // that is not sent, so speech from the first instant would reach the listener cut.
        let lead = 2 * 48_000
        var random: UInt64 = 5
        let noise: [Float] = (0..<lead + speech.count).map { _ in
            random ^= random << 13; random ^= random >> 7; random ^= random << 17
            return Float(random % 2_000_001) / 1_000_000 - 1
        }
        let speechPower = speech.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(speech.count)
        let noiseGain = Float(sqrt(speechPower / pow(10, 0.5) / (noise.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(noise.count))))
        let noisy = zip([Int16](repeating: 0, count: lead) + speech, noise).map { Int16(clamping: Int((Float($0) + noiseGain * $1).rounded())) }
        // Clean speech: the same noise 35 dB down, a quiet room's floor (`CaptureProcessingTests`).
        let floorGain = noiseGain * Float(pow(10, -30.0 / 20))
        let clean = zip([Int16](repeating: 0, count: lead) + speech, noise).map { Int16(clamping: Int((Float($0) + floorGain * $1).rounded())) }
        let heard = try await Self.heardThroughTheRoom([
            ("normal", twice, CaptureProcessor.Settings()),
            ("quiet", quiet, CaptureProcessor.Settings()),
            ("quiet-no-agc", quiet, CaptureProcessor.Settings(automaticGain: false)),
            ("noisy-ns", noisy, CaptureProcessor.Settings(automaticGain: false)),
            ("noisy-no-ns", noisy, CaptureProcessor.Settings(noiseSuppression: false, automaticGain: false)),
            ("clean-ns", clean, CaptureProcessor.Settings(automaticGain: false)),
            ("clean-no-ns", clean, CaptureProcessor.Settings(noiseSuppression: false, automaticGain: false)),
        ], relay: relay, in: dir)
        let normal = Self.activeLevel(heard["normal"]!), quietLevel = Self.activeLevel(heard["quiet"]!)
        let withoutGain = Self.activeLevel(heard["quiet-no-agc"]!)
        let reference = dir.path("speech.wav")
        try writeWAV(speech, to: reference)
        let suppressed = try SpeechScore.pesq(reference: reference, degraded: dir.path("noisy-ns.wav"), maxLagSeconds: 6)
        let unsuppressed = try SpeechScore.pesq(reference: reference, degraded: dir.path("noisy-no-ns.wav"), maxLagSeconds: 6)
        let cleanOn = try SpeechScore.pesq(reference: reference, degraded: dir.path("clean-ns.wav"), maxLagSeconds: 6)
        let cleanOff = try SpeechScore.pesq(reference: reference, degraded: dir.path("clean-no-ns.wav"), maxLagSeconds: 6)
        print(String(format: "at the listener: normal speech %.1f dB, 20 dB too quiet %.1f dB with gain control, %.1f dB without; white noise at 5 dB SNR PESQ-WB %.2f → %.2f with suppression; clean %.2f → %.2f",
                     normal, quietLevel, withoutGain, unsuppressed, suppressed, cleanOff, cleanOn))
        #expect(abs(normal - quietLevel) <= 2, "quiet speech \(normal - quietLevel) dB below normal at the listener")
        #expect(normal - withoutGain >= 15, "without gain control quiet speech stays quiet: \(normal - withoutGain) dB")
        #expect(suppressed - unsuppressed >= 0.45, "suppression gains \(suppressed - unsuppressed) at the listener")
        #expect(cleanOn >= cleanOff - 0.1, "clean speech \(cleanOff) → \(cleanOn) with suppression")
    }
}
