import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

/// The whole receive path judged by ear, objectively: speech is captured from a file through the
/// real alsa-lib `file` plugin, encoded, sent through a simulated network (jitter and loss),
/// put through the jitter buffer, decoded, mixed and played back to a file through the `file`
/// plugin; PESQ (wideband, the `pesq` PyPI package) then compares what was played with what was
/// captured, after aligning them for the codec and jitter delay by cross-correlation.
@Suite(.serialized) struct SpeechQualityTests {
    static let ms: Int64 = 1_000_000
    /// How often the listener reports the loss it measured to the sender: once a second.
    static let reportMilliseconds = 1_000

    /// Loss rate (percent) and FEC for one run; the same seed gives every run the same losses.
    struct Condition: CustomStringConvertible {
        var lossPercent: Int
        var fec: Bool
        var frameMilliseconds = 20
        var description: String {
            "\(lossPercent) % loss, FEC \(fec ? "on" : "off")" + (frameMilliseconds == 20 ? "" : ", \(frameMilliseconds) ms frames")
        }
        var fileTag: String { "\(lossPercent)-\(fec)-\(frameMilliseconds)" }
    }

    /// Runs the pipeline and returns (PESQ score, jitter buffer counters).
    static func run(_ condition: Condition, speech: [Int16], dir: TemporaryDirectory) throws -> (Double, JitterBuffer.Counters) {
        let frame = Int(OpusSettings.sampleRate) / 1000 * condition.frameMilliseconds
        let period = Int64(condition.frameMilliseconds) * ms
        let frames = speech.count / frame
        let extra = 400 / condition.frameMilliseconds
        let input = dir.path("mic-\(condition.fileTag).raw")
        let output = dir.path("speaker-\(condition.fileTag).raw")
        let padded = Array(speech.prefix(frames * frame)) + [Int16](repeating: 0, count: (extra + 2) * frame)
        try padded.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: input)) }
        let capture = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.captureConfig(from: input), .capture), frameSamples: frame)
        let playback = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.playbackConfig(to: output), .playback), frameSamples: frame)
        let engine = AudioEngine(capture: capture, playback: playback, frameSamples: frame, clock: ManualAudioClock())

        // The sender starts expecting no loss and, once a second, adapts to the loss the
        // listener reports (here read from the listener's jitter buffer), as a client does.
        let settings = OpusSettings(frameMilliseconds: condition.frameMilliseconds, inbandFEC: condition.fec)
        let encoder = try OpusEncoder(settings: settings)
        var reported = (lost: 0, received: 0)
        let speaker = try SpeakerStream(settings: settings)
        let mixer = Mixer(frameSamples: frame)
        var random = SimulatedNetwork.Random(state: 2026)
        var inFlight: [(sequence: UInt64, arrival: Int64, packet: [UInt8])] = []
        var captured = [Int16](repeating: 0, count: frame)
        var mixed = [Int16](repeating: 0, count: frame)

        for k in 0..<(frames + extra) {
            let now = Int64(k) * period
            engine.runPeriod()
            if captured.withUnsafeMutableBufferPointer({ engine.captured.pop(into: $0) }) {
                let packet = try encoder.encode(captured)
                let jitter = Int64(random.unit() * 30) * ms
                if random.unit() * 100 >= Double(condition.lossPercent) {
                    inFlight.append((UInt64(k), now + 5 * ms + jitter, packet))
                }
            }
            if k > 0, k % (reportMilliseconds / condition.frameMilliseconds) == 0 {
                let counters = speaker.jitter.counters
                let lost = counters.lost - reported.lost, received = counters.received - reported.received
                try encoder.adapt(toMeasuredLoss: Double(lost) / Double(max(lost + received, 1)))
                reported = (counters.lost, counters.received)
            }
            let tick = now + period - ms
            for p in inFlight where p.arrival <= tick {
                p.packet.withUnsafeBufferPointer { _ = speaker.receive(sequence: p.sequence, payload: $0, arrival: p.arrival) }
            }
            inFlight.removeAll { $0.arrival <= tick }
            mixer.begin()
            mixer.add(speaker.render(now: tick), gain: 1)
            mixed.withUnsafeMutableBufferPointer { mixer.finish(into: $0) }
            _ = mixed.withUnsafeBufferPointer { engine.toPlay.push($0) }
        }
        capture.close()
        playback.close()

        let played = try Data(contentsOf: URL(fileURLWithPath: output)).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let reference = dir.path("ref.wav")
        let degraded = dir.path("deg-\(condition.fileTag).wav")
        for (path, samples) in [(reference, Array(speech.prefix(frames * frame))), (degraded, played)] {
            let writer = try WAVWriter(path: path)
            try writer.write(samples)
            writer.close()
        }
        return (try SpeechScore.pesq(reference: reference, degraded: degraded), speaker.jitter.counters)
    }

    @Test func pesqCleanAndWithLossWithAndWithoutFEC() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let speech = Array(try SpeechFixture.samples().prefix(48_000 * 8))
        var scores: [String: Double] = [:]
        for condition in [Condition(lossPercent: 0, fec: true), Condition(lossPercent: 0, fec: false),
                          Condition(lossPercent: 5, fec: true), Condition(lossPercent: 5, fec: false),
                          Condition(lossPercent: 15, fec: true), Condition(lossPercent: 15, fec: false),
                          Condition(lossPercent: 0, fec: true, frameMilliseconds: 10),
                          Condition(lossPercent: 5, fec: true, frameMilliseconds: 10)] {
            let (score, counters) = try Self.run(condition, speech: speech, dir: dir)
            print("PESQ-WB \(condition): \(String(format: "%.3f", score))  (lost \(counters.lost), FEC decodes \(counters.fecDecodes), concealed \(counters.concealed), late \(counters.late), shrunk \(counters.shrunk), stretched \(counters.stretched))")
            scores[condition.description] = score
        }
        // On a clean line the sender expects no loss, so FEC sends nothing and costs nothing;
        // once loss is reported it pays for itself.
        #expect(scores["0 % loss, FEC off"]! >= 3.7)
        #expect(abs(scores["0 % loss, FEC on"]! - scores["0 % loss, FEC off"]!) <= 0.1)
        #expect(scores["5 % loss, FEC on"]! > scores["5 % loss, FEC off"]!)
        #expect(scores["15 % loss, FEC on"]! > scores["15 % loss, FEC off"]!)
        // 10 ms frames spend more of the bit rate on framing, so they score lower, but work end to end.
        #expect(scores["0 % loss, FEC on, 10 ms frames"]! >= 3.0)
        #expect(scores["5 % loss, FEC on, 10 ms frames"]! >= 1.7)
    }
}
