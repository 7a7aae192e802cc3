/// A network path for tests: each packet sent every frame gets a delay and may be lost; the
/// arrivals come out in the order they reach the receiver. Seeded, so a trace is reproducible.
struct SimulatedNetwork {
    struct Arrival: Equatable {
        var sequence: UInt64
        var time: Int64
    }

    static let frame: Int64 = 20_000_000

    /// SplitMix64: small, fast, and the same on every machine.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }

    /// Packets 0..<frames sent at `sequence × 20 ms`, delayed by `delay(sequence)` ns, kept when
    /// `lost(sequence)` is false; sorted by arrival time.
    static func arrivals(frames: Int, delay: (Int) -> Int64, lost: (Int) -> Bool = { _ in false }) -> [Arrival] {
        (0..<frames).filter { !lost($0) }
            .map { Arrival(sequence: UInt64($0), time: Int64($0) * frame + delay($0)) }
            .sorted { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
    }
}
