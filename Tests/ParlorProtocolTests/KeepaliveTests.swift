import Testing
@testable import ParlorProtocol

@Suite struct KeepaliveTests {
    @Test func lossFiguresAreWholePercentsAndNoneIsItsOwnValue() {
        #expect(Keepalive.lossFigure(nil) == Keepalive.noLossFigure)
        #expect(Keepalive.lossFigure(0) == 0)
        #expect(Keepalive.lossFigure(0.084) == 8)
        #expect(Keepalive.lossFigure(0.085) == 9)
        #expect(Keepalive.lossFigure(1.5) == 100, "clamped")
        #expect(Keepalive.lossFigure(-0.1) == 0, "clamped")
        #expect(Keepalive.lossFraction(12) == 0.12)
        #expect(Keepalive.lossFraction(100) == 1)
        #expect(Keepalive.lossFraction(101) == nil, "out of range reads as none")
        #expect(Keepalive.lossFraction(Keepalive.noLossFigure) == nil)
    }
}
