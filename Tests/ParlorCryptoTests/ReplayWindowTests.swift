import Testing
import ParlorCrypto

@Suite struct ReplayWindowTests {
    /// Offers each counter in turn and returns what `accept` answered.
    func offer(_ counters: UInt64..., to window: inout ReplayWindow) -> [Bool] {
        counters.map { window.accept($0) }
    }

    @Test func inOrderCountersAreAcceptedOnce() {
        var window = ReplayWindow()
        var answers: [Bool] = []
        for counter in UInt64(0)..<20_000 {
            answers += offer(counter, counter, to: &window)
        }
        #expect(answers == Array(repeating: [true, false], count: 20_000).flatMap { $0 })
    }

    @Test func reorderingInsideTheWindowIsAcceptedAndDuplicatesAreNot() {
        var window = ReplayWindow()
        let size = ReplayWindow.windowSize
        let answers = offer(10_000, 10_000 - size, 10_000 - size - 1, 9_999, 9_999, to: &window)
        #expect(answers == [true, true, false, true, false])
        #expect(window.newest == 10_000)
    }

    @Test func aLargeJumpForgetsTheOldWindow() {
        var window = ReplayWindow()
        _ = offer(0, 1, 2, 50, 99, to: &window)
        #expect(offer(1_000_000, to: &window) == [true])
        #expect(!window.isFresh(50))
        #expect(window.isFresh(1_000_000 - 1))
        #expect(offer(1_000_000 - 8_000, 1_000_000 - 8_000, to: &window) == [true, false])
    }

    @Test func slidingClearsReusedBlocks() {
        var window = ReplayWindow()
        // 129 blocks later the same ring slot is reused; it must count as fresh again.
        let later: UInt64 = 5 + 64 * 129
        #expect(offer(5, later, later - 64 * 128, to: &window) == [true, true, true])
        #expect(!window.isFresh(5))
    }

    @Test func theHighestCounterIsAccepted() {
        var window = ReplayWindow()
        #expect(offer(UInt64.max, UInt64.max, UInt64.max - 1, 0, to: &window) == [true, false, true, false])
    }
}
