import Testing
@testable import ParlorTUI

@Suite struct LossWindowTests {
    @Test func lossIsMeasuredOverTheLastFewSecondsOnly() {
        var window = LossWindow()
        #expect(window.add(lost: 0, received: 0) == 0)
        #expect(window.add(lost: 10, received: 40) == 20, "10 of 50 frames lost")
        var received = 40
        for _ in 0..<LossWindow.samples { received += 10; _ = window.add(lost: 10, received: received) }
        #expect(window.add(lost: 10, received: received + 10) == 0, "the burst has left the window")
    }
}
