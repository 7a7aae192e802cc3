import Testing
@testable import ParlorAudio

/// Sequence numbers at the top of the 64-bit range (issue #14, item 5): a relay or member can
/// deliver any counter, so the buffer's arithmetic must never trap, whatever it is fed.
@Suite struct JitterBufferCounterEdgeTests {
    static let ms: Int64 = 1_000_000
    static let payload: [UInt8] = [0x08, 1, 2, 3]

    /// The crash of the issue: sequences from 2^64 − 11 up, then a frame a tick.
    @Test func sequencesUpToTheLastCounterPlayWithoutTrapping() {
        let buffer = JitterBuffer()
        var frames: [JitterBuffer.Frame] = []
        for step in 0..<40 {
            let now = Int64(step) * 20 * Self.ms
            if step <= 10 {
                let sequence = UInt64.max - 10 + UInt64(step)
                _ = Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: sequence, payload: $0, arrival: now) }
            }
            frames.append(buffer.next(now: now + 5 * Self.ms))
        }
        let played = frames.filter { $0.kind == .decode }.map(\.sequence)
        #expect(played.contains(UInt64.max))
        #expect(played.allSatisfy { $0 >= UInt64.max - 10 })
    }

    /// Any mix of extreme sequences, inserted while playing: no trap, and nothing that far ahead
    /// of playout is kept.
    @Test func extremeSequencesWhilePlayingAreRefusedNotTrapped() {
        let buffer = JitterBuffer()
        let extremes: [UInt64] = [0, 1, UInt64.max, UInt64.max - 1, 1 << 63, (1 << 62) - 1, 31, 32, 33]
        for step in 0..<60 {
            let now = Int64(step) * 20 * Self.ms
            _ = Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: UInt64(step), payload: $0, arrival: now) }
            let odd = extremes[step % extremes.count]
            _ = Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: odd, payload: $0, arrival: now) }
            _ = buffer.next(now: now + 5 * Self.ms)
        }
        #expect(buffer.counters.streamsStarted >= 1)
    }
}

extension JitterBufferCounterEdgeTests {
    /// Random sequences over the whole 64-bit range at random arrival times: the delay estimate
    /// sees transit offsets anywhere in Int64, and nothing traps.
    @Test func randomSequencesAndArrivalsNeverTrap() {
        var generator = SplitMix(seed: 14)
        for _ in 0..<20 {
            let buffer = JitterBuffer()
            for step in 0..<300 {
                let sequence = generator.next()
                let arrival = Int64(bitPattern: generator.next())
                _ = Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: sequence, payload: $0, arrival: arrival) }
                _ = buffer.next(now: step % 2 == 0 ? arrival : Int64(bitPattern: generator.next()), quiet: step % 3 == 0)
            }
        }
    }

    /// SplitMix64: a small deterministic generator for the test's inputs.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
