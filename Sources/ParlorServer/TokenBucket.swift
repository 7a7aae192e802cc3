/// A token bucket: `rate` tokens a second, at most `burst` saved up. Pure: the caller passes the
/// time (monotonic nanoseconds), so tests need no clock and the hot path reads the clock once.
public struct TokenBucket: Sendable, Equatable {
    public let rate: Int
    public let burst: Int
    /// Tokens scaled by 1e9 so that refills of a few nanoseconds are not lost to rounding.
    private var scaledTokens: Int
    private var lastNanos: UInt64

    public init(rate: Int, burst: Int, now: UInt64) {
        self.rate = max(rate, 0)
        self.burst = max(burst, 1)
        scaledTokens = self.burst * TokenBucket.scale
        lastNanos = now
    }

    private static let scale = 1_000_000_000

    /// Takes one token if there is one; false means the event is over the limit.
    public mutating func take(now: UInt64) -> Bool {
        if now > lastNanos {
            let elapsed = Int(min(now - lastNanos, UInt64(TokenBucket.scale) * 60))
            scaledTokens = min(scaledTokens + elapsed * rate, burst * TokenBucket.scale)
            lastNanos = now
        }
        guard scaledTokens >= TokenBucket.scale else { return false }
        scaledTokens -= TokenBucket.scale
        return true
    }
}
