import ParlorAudio
import Testing

/// Clock drift between a speaker's sound card and a listener's: the speaker's frames come
/// every 20 ms of its own clock, which runs ±300 ppm off the listener's, for 10 minutes of
/// simulated time. The speaker talks 3 s and pauses 1 s, over and over; the network adds
/// 5–9 ms. The buffer must keep its playout delay (the listener's playing time minus the
/// speaker's sending time of the frame played, less the network's fastest delay) within 20 ms of
/// where it settled, with every correction in a pause: no frame of speech concealed or skipped.
struct JitterBufferDriftTests {
    static let frame: Int64 = 20_000_000
    static let minutes = 10

    struct Outcome {
        var settledDelay: Int64
        var widestDeparture: Int64
        var gapsInSpeech: Int
        var counters: JitterBuffer.Counters
    }

    /// Whether the speaker is talking in frame `sequence` (3 s of talk, 1 s of pause).
    static func talking(_ sequence: UInt64) -> Bool { sequence % 200 < 150 }

    static func run(ppm: Double) -> Outcome {
        let buffer = JitterBuffer()
        let payload: [UInt8] = [0xF8, 0xFF, 0xFE]
        let ticks = minutes * 60 * 50
        // The speaker's frame period in the listener's time: a fast clock sends more often.
        let sendPeriod = Double(frame) / (1 + ppm / 1e6)
        var random: UInt64 = 0x2026
        func jitter() -> Int64 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return 5_000_000 + Int64((random >> 33) % 4_000_000)
        }
        var sent: UInt64 = 0
        var inFlight: [(sequence: UInt64, arrival: Int64)] = []
        var lastPlayedTalking = false
        var settled: Int64?
        var widest: Int64 = 0
        var gaps = 0
        for tick in 0..<ticks {
            let now = Int64(tick) * frame
            while Int64(Double(sent) * sendPeriod) <= now {
                inFlight.append((sent, Int64(Double(sent) * sendPeriod) + jitter()))
                sent += 1
            }
            inFlight.sort { $0.arrival < $1.arrival }
            while let first = inFlight.first, first.arrival <= now {
                payload.withUnsafeBufferPointer { _ = buffer.insert(sequence: first.sequence, payload: $0, arrival: first.arrival) }
                inFlight.removeFirst()
            }
            let decision = buffer.next(now: now, quiet: !lastPlayedTalking) { !talking($0) }
            switch decision.kind {
            case .decode, .fec:
                lastPlayedTalking = talking(decision.sequence)
                let delay = now - Int64(Double(decision.sequence) * sendPeriod) - 5_000_000
                if tick == 50 * 10 { settled = delay }
                if let settled { widest = max(widest, abs(delay - settled)) }
                if let dropped = decision.dropped, talking(dropped) { gaps += 1 }
            case .conceal:
                // A concealed frame inside speech is a gap a person hears.
                if lastPlayedTalking { gaps += 1 }
            case .silence:
                if tick > 50 { gaps += 1 }
            }
        }
        return Outcome(settledDelay: settled ?? -1, widestDeparture: widest, gapsInSpeech: gaps, counters: buffer.counters)
    }

    @Test(arguments: [300.0, -300.0, 0.0])
    func delayHoldsAcrossTenMinutesOfDrift(ppm: Double) {
        let outcome = Self.run(ppm: ppm)
        print(String(format: "drift %+.0f ppm over %d min: delay settled at %.1f ms, widest departure %.1f ms, gaps in speech %d, shrunk %d, stretched %d, concealed %d",
                     ppm, Self.minutes, Double(outcome.settledDelay) / 1e6, Double(outcome.widestDeparture) / 1e6,
                     outcome.gapsInSpeech, outcome.counters.shrunk, outcome.counters.stretched, outcome.counters.concealed))
        #expect(outcome.settledDelay > 0)
        #expect(outcome.widestDeparture <= 20_000_000, "the delay moved \(outcome.widestDeparture / 1_000_000) ms from where it settled")
        #expect(outcome.gapsInSpeech == 0)
        #expect(outcome.counters.lost == 0)
    }
}
