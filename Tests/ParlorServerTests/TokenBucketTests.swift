import Testing
@testable import ParlorServer

@Suite struct TokenBucketTests {
    static let second: UInt64 = 1_000_000_000

    @Test func allowsTheBurstThenTheRate() {
        var bucket = TokenBucket(rate: 50, burst: 100, now: 0)
        let burst = (0..<150).filter { _ in bucket.take(now: 0) }.count
        #expect(burst == 100)
        // One second later, 50 more; no more than that.
        let next = (0..<80).filter { _ in bucket.take(now: Self.second) }.count
        #expect(next == 50)
    }

    @Test func smallStepsAccumulateWithoutRoundingLoss() {
        var bucket = TokenBucket(rate: 50, burst: 1, now: 0)
        let first = bucket.take(now: 0)
        #expect(first)
        var taken = 0
        // 1,000 steps of 1 ms: exactly 50 tokens over the second.
        for ms in 1...1_000 where bucket.take(now: UInt64(ms) * 1_000_000) { taken += 1 }
        #expect(taken == 50)
    }

    @Test func timeGoingBackwardsGrantsNothing() {
        var bucket = TokenBucket(rate: 1_000, burst: 1, now: Self.second)
        let now = bucket.take(now: Self.second)
        let earlier = bucket.take(now: 0)
        #expect(now)
        #expect(!earlier)
    }
}
