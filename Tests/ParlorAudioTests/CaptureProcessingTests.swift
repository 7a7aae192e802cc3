import Foundation
import ParlorAudio
import ParlorTestSupport
import Testing

/// Speex's echo canceller and preprocessor on their own, frame by frame as the media loop runs
/// them, on real speech: far-end speech played into a simulated room and heard back by the
/// microphone, noise, and a speaker far too quiet.
@Suite struct CaptureProcessingTests {
    static let frame = Int(ProcessInfo.processInfo.environment["XF"] ?? "960")!
    static let rate = 48_000

    /// Runs the capture chain over `captured` with `played` as the far-end reference; returns
    /// the processed capture.
    static func process(captured: [Float], played: [Int16], echo: Bool = true,
                        settings: SpeechPreprocessor.Settings = SpeechPreprocessor.Settings()) -> [Int16] {
        let canceller = EchoCanceller(frameSamples: frame, sampleRate: rate, tailMilliseconds: Int(ProcessInfo.processInfo.environment["XT"] ?? "250")!)
        let preprocessor = SpeechPreprocessor(frameSamples: frame, sampleRate: rate, settings: settings, echo: echo ? canceller : nil)
        var out = [Int16](repeating: 0, count: captured.count / frame * frame)
        var mic = [Int16](repeating: 0, count: frame), far = [Int16](repeating: 0, count: frame)
        for start in stride(from: 0, to: out.count, by: frame) {
            for i in 0..<frame {
                mic[i] = Int16(max(-32_768, min(32_767, captured[start + i].rounded())))
                far[i] = start + i < played.count ? played[start + i] : 0
            }
            out.withUnsafeMutableBufferPointer { o in
                let slice = UnsafeMutableBufferPointer(rebasing: o[start..<start + frame])
                mic.withUnsafeBufferPointer { m in
                    far.withUnsafeBufferPointer { f in
                        if echo { canceller.cancel(captured: m, played: f, into: slice) } else { _ = slice.initialize(from: m) }
                    }
                }
                preprocessor.process(slice)
            }
        }
        return out
    }

    static func energy(_ x: some Collection<Float>) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } }
    static func decibels(_ ratio: Double) -> Double { 10 * log10(max(ratio, 1e-12)) }

    static func score(reference: [Int16], degraded: [Int16], in dir: TemporaryDirectory, name: String) throws -> Double {
        for (path, samples) in [(dir.path("\(name)-ref.wav"), reference), (dir.path("\(name).wav"), degraded)] {
            let writer = try WAVWriter(path: path)
            try writer.write(samples)
            writer.close()
        }
        return try SpeechScore.pesq(reference: dir.path("\(name)-ref.wav"), degraded: dir.path("\(name).wav"))
    }

    /// Far-end speech only, through a room with a 40 ms delay, −6 dB and a 220 ms tail: after
    /// 2 s of learning, the echo left is at least 25 dB below the echo that came in (echo return
    /// loss enhancement). Without the canceller nothing is taken out.
    @Test func echoIsTakenOutAfterTwoSeconds() throws {
        let far = try SpeechFixture.samples()
        let echo = SimulatedRoom().echo(of: far)
        let out = Self.process(captured: echo, played: far, settings: .init(noiseSuppression: ProcessInfo.processInfo.environment["XN"] != nil, automaticGain: false))
        let from = 2 * Self.rate
        let erle = Self.decibels(Self.energy(echo[from..<out.count]) / Self.energy(out[from...].map(Float.init)))
        let without = Self.process(captured: echo, played: far, echo: false, settings: .init(noiseSuppression: false, automaticGain: false))
        let erleWithout = Self.decibels(Self.energy(echo[from..<without.count]) / Self.energy(without[from...].map(Float.init)))
        print(String(format: "echo: ERLE %.1f dB after 2 s (%.1f dB without the canceller)", erle, erleWithout))
        #expect(erle >= 25, "ERLE \(erle) dB")
        #expect(abs(erleWithout) < 1, "without the canceller the echo stays: \(erleWithout) dB")
    }

    /// Both talk at once: the near speaker's speech, with the far end's echo on top, still
    /// scores PESQ-WB ≥ 3.0 against what the near speaker said, once the filter has learnt the
    /// room from 3 s of far-end speech alone.
    @Test func theNearSpeakerSurvivesDoubleTalk() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let far = try SpeechFixture.samples()
        let near = try WAVReader(path: try SpeechFixture.wav(text: "Every morning the baker opens the shop and sells warm bread to the village.", voice: "en-gb").path).samples
        let lead = 3 * Self.rate
        var captured = SimulatedRoom().echo(of: far)
        captured = Array(captured.prefix(max(captured.count, lead + near.count)))
        if captured.count < lead + near.count { captured += [Float](repeating: 0, count: lead + near.count - captured.count) }
        for (i, s) in near.enumerated() { captured[lead + i] += Float(s) }
        let out = Self.process(captured: captured, played: far, settings: .init(noiseSuppression: ProcessInfo.processInfo.environment["XN"] != nil, automaticGain: ProcessInfo.processInfo.environment["XG"] != nil))
        let end = min(out.count, lead + near.count)
        let score = try Self.score(reference: Array(near.prefix(end - lead)), degraded: Array(out[lead..<end]), in: dir, name: "double-talk")
        let unprocessed = try Self.score(reference: Array(near.prefix(end - lead)),
                                         degraded: captured[lead..<end].map { Int16(max(-32_768, min(32_767, $0))) }, in: dir, name: "raw")
        print(String(format: "double talk: near speaker PESQ-WB %.2f after the canceller, %.2f with the echo left in", score, unprocessed))
        #expect(score >= 3.0, "near speaker \(score)")
        #expect(score > unprocessed, "the canceller helps the near speaker: \(score) vs \(unprocessed)")
    }

    /// Speech with white noise at 5 dB SNR: suppression raises PESQ-WB by at least 0.4; on clean
    /// speech it costs at most 0.1.
    @Test func noiseSuppressionHelpsNoisySpeechAndSparesCleanSpeech() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let speech = try SpeechFixture.samples()
        let speechEnergy = Self.energy(speech.map(Float.init)) / Double(speech.count)
        var random: UInt64 = 5
        let noise: [Float] = speech.indices.map { _ in
            random ^= random << 13; random ^= random >> 7; random ^= random << 17
            return Float(random % 2_000_001) / 1_000_000 - 1
        }
        let noiseGain = Float(sqrt(speechEnergy / pow(10, 0.5) / (Self.energy(noise) / Double(noise.count))))
        let noisy = zip(speech, noise).map { Float($0) + noiseGain * $1 }
        let plain = SpeechPreprocessor.Settings(noiseSuppression: false, automaticGain: false)
        let suppressing = SpeechPreprocessor.Settings(noiseSuppression: true, automaticGain: false)
        func run(_ input: [Float], _ settings: SpeechPreprocessor.Settings, _ name: String) throws -> Double {
            let out = Self.process(captured: input, played: [], echo: false, settings: settings)
            return try Self.score(reference: Array(speech.prefix(out.count)), degraded: out, in: dir, name: name)
        }
        let noisyOff = try run(noisy, plain, "noisy-off"), noisyOn = try run(noisy, suppressing, "noisy-on")
        let floorGain = noiseGain * Float(pow(10, -(Double(ProcessInfo.processInfo.environment["XC"] ?? "35")! - 5) / 20))
        let clean = zip(speech, noise).map { Float($0) + floorGain * $1 }
        let cleanOff = try run(clean, plain, "clean-off"), cleanOn = try run(clean, suppressing, "clean-on")
        print(String(format: "noise: white at 5 dB SNR %.2f → %.2f with suppression; clean %.2f → %.2f", noisyOff, noisyOn, cleanOff, cleanOn))
        #expect(noisyOn - noisyOff >= 0.4, "suppression gains \(noisyOn - noisyOff)")
        #expect(cleanOff - cleanOn <= 0.1, "suppression costs clean speech \(cleanOff - cleanOn)")
    }

    /// Speech 20 dB too quiet comes out within 6 dB of the same speech at its normal level, once
    /// the gain has settled (the last half).
    @Test func automaticGainBringsQuietSpeechUp() throws {
        let speech = try SpeechFixture.samples()
        let speechTwice = speech + speech
        let settings = SpeechPreprocessor.Settings(noiseSuppression: true, automaticGain: true)
        let normal = Self.process(captured: speechTwice.map(Float.init), played: [], echo: false, settings: settings)
        let quiet = Self.process(captured: speechTwice.map { Float($0) / 10 }, played: [], echo: false, settings: settings)
        let half = normal.count / 2
        let level = { (x: ArraySlice<Int16>) in Self.decibels(Self.energy(x.map(Float.init)) / Double(x.count)) }
        let difference = level(normal[half...]) - level(quiet[half...])
        let before = level(speech[...]) - level(speech.map { $0 / 10 }[...])
        print(String(format: "gain: 20 dB too quiet (%.1f dB in) comes out %.1f dB below normal", before, difference))
        #expect(abs(difference) <= 6, "quiet speech \(difference) dB below normal")
    }
}
