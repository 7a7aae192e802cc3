import ParlorCrypto
import Testing

/// The media path's in-place SFrame calls agree with the array ones (which RFC 9605's vectors
/// check) both ways, for both suites, and refuse what the array ones refuse.
struct SFrameInPlaceTests {
    static let keyID = SFrameContext.keyID(epoch: 300, senderSlot: 7)

    func pair(_ suite: SFrameSuite) throws -> (SFrameContext, SFrameContext) {
        let base = SecureRandom.bytes(32)
        var sender = try SFrameContext(suite: suite), receiver = try SFrameContext(suite: suite)
        try sender.setKey(base, keyID: Self.keyID)
        try receiver.setKey(base, keyID: Self.keyID)
        return (sender, receiver)
    }

    @Test(arguments: SFrameSuite.allCases.filter(\.isAvailable))
    func inPlaceAndArrayCallsAgree(suite: SFrameSuite) throws {
        var (sender, receiver) = try pair(suite)
        var counter: UInt64 = 0
        for round in 0..<300 {
            let plaintext = SecureRandom.bytes(20 + round % 60)
            var out = [UInt8](repeating: 0, count: SFrameHeader.maximumLength + plaintext.count + suite.tagLength)
            defer { counter += 1 }
            if round % 2 == 0 {
                let length = try plaintext.withUnsafeBytes { p in
                    try out.withUnsafeMutableBytes { try sender.protect(p, keyID: Self.keyID, into: $0) }
                }
                let opened = try receiver.unprotect(Array(out.prefix(length)))
                #expect(opened.plaintext == plaintext && opened.header.counter == counter)
            } else {
                var frame = try sender.protect(plaintext, keyID: Self.keyID)
                let opened = try frame.withUnsafeMutableBytes { try receiver.unprotect(in: $0) }
                #expect(Array(frame[opened.plaintext]) == plaintext && opened.header.counter == counter)
                // Replayed: refused, and the frame is left as it was.
                counter += 1
                var again = try sender.protect(plaintext, keyID: Self.keyID)
                _ = try again.withUnsafeMutableBytes { try receiver.unprotect(in: $0) }
                let before = again
                #expect(throws: CryptoError.self) { try again.withUnsafeMutableBytes { try receiver.unprotect(in: $0) } }
                #expect(again == before)
            }
        }
    }

    @Test func aFlippedByteIsRefusedInPlace() throws {
        var (sender, receiver) = try pair(.preferred)
        var frame = try sender.protect([1, 2, 3, 4, 5], keyID: Self.keyID)
        frame[frame.count - 3] ^= 1
        #expect(throws: CryptoError.authenticationFailed) { try frame.withUnsafeMutableBytes { try receiver.unprotect(in: $0) } }
    }
}
