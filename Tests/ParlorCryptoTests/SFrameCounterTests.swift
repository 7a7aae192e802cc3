import Testing
@testable import ParlorCrypto

/// Issue #14 on SFrame counters: receivers refuse counters a sender never reaches (≥ 2^62), and
/// a key removed and installed again resumes its counters instead of starting over.
@Suite struct SFrameCounterTests {
    static let kid = SFrameContext.keyID(epoch: 2, senderSlot: 5)

    func pair(base: [UInt8] = SecureRandom.bytes(32)) throws -> (SFrameContext, SFrameContext) {
        var sender = try SFrameContext(suite: .chaCha20Poly1305SHA256)
        var receiver = try SFrameContext(suite: .chaCha20Poly1305SHA256)
        try sender.setKey(base, keyID: Self.kid)
        try receiver.setKey(base, keyID: Self.kid)
        return (sender, receiver)
    }

    @Test func countersFromTwoToTheSixtyTwoAreRefusedBeforeTheWindow() throws {
        var (sender, receiver) = try pair()
        for counter: UInt64 in [1 << 62, (1 << 62) + 1, UInt64.max - 10, UInt64.max] {
            let frame = try sender.protect([1, 2, 3], keyID: Self.kid, counter: counter, metadata: [])
            #expect(throws: CryptoError.counterOutOfRange(counter)) { try receiver.unprotect(frame) }
        }
        let last = try sender.protect([1], keyID: Self.kid, counter: (1 << 62) - 1, metadata: [])
        #expect(try receiver.unprotect(last).header.counter == (1 << 62) - 1)
        // The refused ones never reached the window; the last valid counter moved it on.
        #expect(throws: CryptoError.replayed(counter: 0)) { try receiver.unprotect(try sender.protect([1], keyID: Self.kid)) }
    }

    @Test func aReinstalledKeyResumesItsSendCounter() throws {
        let base = SecureRandom.bytes(32)
        var (sender, _) = try pair(base: base)
        for _ in 0..<10 { _ = try sender.protect([0], keyID: Self.kid) }
        sender.removeKey(keyID: Self.kid)
        #expect(throws: CryptoError.unknownKeyID(Self.kid)) { try sender.nextCounter(keyID: Self.kid) }
        try sender.setKey(base, keyID: Self.kid)
        #expect(try sender.nextCounter(keyID: Self.kid) == 10)
        let frame = try sender.protect([0], keyID: Self.kid)
        #expect(try SFrameHeader.decode(frame).header.counter == 10)
    }

    @Test func aReinstalledKeyRefusesWhatItReceivedBefore() throws {
        let base = SecureRandom.bytes(32)
        var (sender, receiver) = try pair(base: base)
        let recorded = try (0..<10).map { _ in try sender.protect([7], keyID: Self.kid) }
        for frame in recorded.prefix(8) { _ = try receiver.unprotect(frame) }
        receiver.removeKey(keyID: Self.kid)
        try receiver.setKey(base, keyID: Self.kid)
        for (counter, frame) in recorded.prefix(8).enumerated() {
            #expect(throws: CryptoError.replayed(counter: UInt64(counter))) { try receiver.unprotect(frame) }
        }
        // Later counters, even out of order, still play.
        #expect(try receiver.unprotect(recorded[9]).header.counter == 9)
        #expect(try receiver.unprotect(recorded[8]).header.counter == 8)
    }

    /// A different base key for the KID (a new session's box key) starts afresh, and the first
    /// key, installed again, still resumes.
    @Test func countersAreRememberedPerKeyNotPerKeyID() throws {
        let first = SecureRandom.bytes(32), second = SecureRandom.bytes(32)
        var sender = try SFrameContext(suite: .chaCha20Poly1305SHA256)
        try sender.setKey(first, keyID: Self.kid)
        for _ in 0..<5 { _ = try sender.protect([0], keyID: Self.kid) }
        try sender.setKey(second, keyID: Self.kid)
        #expect(try sender.nextCounter(keyID: Self.kid) == 0)
        _ = try sender.protect([0], keyID: Self.kid)
        try sender.setKey(first, keyID: Self.kid)
        #expect(try sender.nextCounter(keyID: Self.kid) == 5)
        try sender.setKey(second, keyID: Self.kid)
        #expect(try sender.nextCounter(keyID: Self.kid) == 1)
    }

    @Test func forgettingAnEpochForgetsItsCounters() throws {
        let base = SecureRandom.bytes(32)
        var (sender, _) = try pair(base: base)
        _ = try sender.protect([0], keyID: Self.kid)
        sender.removeKey(keyID: Self.kid)
        sender.forgetEpochs(keeping: [2])
        try sender.setKey(base, keyID: Self.kid)
        #expect(try sender.nextCounter(keyID: Self.kid) == 1)
        sender.forgetEpochs(keeping: [3])
        #expect(throws: CryptoError.unknownKeyID(Self.kid)) { try sender.nextCounter(keyID: Self.kid) }
        try sender.setKey(base, keyID: Self.kid)
        #expect(try sender.nextCounter(keyID: Self.kid) == 0)
    }

    @Test func aResumedWindowRefusesThroughItsNewestAndAcceptsReorderingAfter() {
        var window = ReplayWindow(refusingThrough: 130)
        #expect(window.highestAccepted == 130)
        #expect(!window.isFresh(0) && !window.isFresh(129) && !window.isFresh(130))
        let answers = [133, 131, 132, 132].map { window.accept($0) }
        #expect(answers == [true, true, true, false])
        #expect(ReplayWindow().highestAccepted == nil)
    }
}
