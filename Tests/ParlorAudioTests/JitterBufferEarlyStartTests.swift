import Testing
@testable import ParlorAudio

/// A listener that plays out in 10 ms periods (`MediaPipeline`) asks for a frame every 20 ms at
/// first, then — in a pause, with the next frame already due — a period early: whole-frame
/// shrinking leaves a stream anywhere up to a frame above its target, the early start takes it
/// to within a period of it.
@Suite struct JitterBufferEarlyStartTests {
    static let ms: Int64 = 1_000_000
    static let period: Int64 = 10 * ms

    /// Steady packets 10 ms in transit; the caller's periods fall 5 ms after each frame boundary,
    /// so the frames it asks for at the boundaries sit 15 ms (plus whole frames) above the fastest
    /// packet. Returns the buffer, how often it started a frame early, and the last delay.
    static func run(quiet: Bool, early: Bool) -> (buffer: JitterBuffer, earlyStarts: Int, delay: Int64) {
        let buffer = JitterBuffer()
        var pending = SimulatedNetwork.arrivals(frames: 300) { _ in 10 * ms }[...]
        var due: Int64 = 5 * ms
        var earlyStarts = 0
        var now: Int64 = 5 * ms
        while now < 290 * SimulatedNetwork.frame {
            while let arrival = pending.first, arrival.time <= now {
                pending.removeFirst()
                _ = JitterBufferTests.payload.withUnsafeBufferPointer {
                    buffer.insert(sequence: arrival.sequence, payload: $0, arrival: arrival.time)
                }
            }
            if now >= due {
                _ = buffer.next(now: now, quiet: quiet)
                due = now + SimulatedNetwork.frame
            } else if early, buffer.mayStartEarly(now: now, margin: 0) {
                earlyStarts += 1
                _ = buffer.next(now: now, quiet: quiet)
                due = now + SimulatedNetwork.frame
            }
            now += period
        }
        return (buffer, earlyStarts, buffer.trace.last!.delay)
    }

    @Test func inAPauseTheNextFrameStartsAPeriodEarlyAndTheDelayEndsWithinAPeriodOfTheTarget() {
        let early = Self.run(quiet: true, early: true)
        let whole = Self.run(quiet: true, early: false)
        print("in a pause: delay \(early.delay / Self.ms) ms with early starts (\(early.earlyStarts)), "
              + "\(whole.delay / Self.ms) ms without; target \(early.buffer.target / Self.ms) ms")
        #expect(early.earlyStarts >= 1)
        #expect(early.delay >= early.buffer.target && early.delay < early.buffer.target + Self.period,
                "delay \(early.delay) against target \(early.buffer.target)")
        #expect(whole.delay >= whole.buffer.target + Self.period, "whole-frame shrinking alone leaves it higher")
        #expect(early.buffer.counters.shrunk >= whole.buffer.counters.shrunk + early.earlyStarts)
        #expect(early.buffer.counters.lost == 0 && early.buffer.counters.concealed == 0, "nothing was cut short of its frame")
    }

    @Test func whileTheSpeakerTalksNoFrameStartsEarly() {
        let talking = Self.run(quiet: false, early: true)
        #expect(talking.earlyStarts == 0)
    }
}
