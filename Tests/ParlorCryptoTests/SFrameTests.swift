import Testing
@testable import ParlorCrypto

/// RFC 9605 Appendix C: every header of C.1, suite 5 (AES_256_GCM_SHA512_128) of C.3 where the
/// CPU has AES-NI; and Parlor's private ChaCha20-Poly1305 suite by round trip, tamper and replay.
@Suite struct SFrameTests {
    struct File: Decodable {
        let header: [HeaderCase]
        let sframe: [SuiteCase]
    }
    struct HeaderCase: Decodable, Sendable { let kid: UInt64; let ctr: UInt64; let encoded: String }
    struct SuiteCase: Decodable, Sendable {
        let cipher_suite: UInt16
        let kid: UInt64
        let ctr: UInt64
        let base_key, sframe_key_label, sframe_salt_label, sframe_key, sframe_salt, metadata, nonce, aad, pt, ct: String
    }

    static let file = try? Fixture.decode(File.self, from: "sframe-rfc9605-test-vectors.json")

    @Test func everyHeaderOfAppendixC1() throws {
        let cases = try #require(Self.file?.header)
        #expect(cases.count == 289)
        for vector in cases {
            let header = SFrameHeader(keyID: vector.kid, counter: vector.ctr)
            #expect(header.encoded.hex == vector.encoded, "kid \(vector.kid) ctr \(vector.ctr)")
            let (decoded, length) = try SFrameHeader.decode([UInt8](hex: vector.encoded) + [0xaa, 0xbb])
            #expect(decoded == header)
            #expect(length == vector.encoded.count / 2)
        }
    }

    @Test(.enabled(if: SFrameSuite.aes256GCMSHA512.isAvailable, "libsodium's AES-256-GCM needs AES-NI"))
    func suite5OfAppendixC() throws {
        let vector = try #require(Self.file?.sframe.first { $0.cipher_suite == 0x0005 })
        let key = try SFrameKey(baseKey: [UInt8](hex: vector.base_key), keyID: vector.kid, suite: .aes256GCMSHA512)
        #expect((SFrameKey.keyLabel + SFrameKey.bigEndian(vector.kid, width: 8) + [0, 5]).hex == vector.sframe_key_label)
        #expect(key.key.hex == vector.sframe_key)
        #expect(key.salt.hex == vector.sframe_salt)
        #expect(key.nonce(counter: vector.ctr).hex == vector.nonce)

        var sender = try SFrameContext(suite: .aes256GCMSHA512)
        try sender.setKey([UInt8](hex: vector.base_key), keyID: vector.kid)
        let frame = try sender.protect([UInt8](hex: vector.pt), keyID: vector.kid, counter: vector.ctr,
                                       metadata: [UInt8](hex: vector.metadata))
        #expect(frame.hex == vector.ct)

        var receiver = try SFrameContext(suite: .aes256GCMSHA512)
        try receiver.setKey([UInt8](hex: vector.base_key), keyID: vector.kid)
        let (header, plaintext) = try receiver.unprotect([UInt8](hex: vector.ct), metadata: [UInt8](hex: vector.metadata))
        #expect(header == SFrameHeader(keyID: vector.kid, counter: vector.ctr))
        #expect(plaintext.hex == vector.pt)
    }

    func pair(_ suite: SFrameSuite = .chaCha20Poly1305SHA256, keyID: UInt64) throws -> (SFrameContext, SFrameContext) {
        let base = SecureRandom.bytes(32)
        var sender = try SFrameContext(suite: suite)
        var receiver = try SFrameContext(suite: suite)
        try sender.setKey(base, keyID: keyID)
        try receiver.setKey(base, keyID: keyID)
        return (sender, receiver)
    }

    @Test func privateSuiteRoundTripsWithParlorKeyIDs() throws {
        let kid = SFrameContext.keyID(epoch: 3, senderSlot: 7)
        #expect(kid == 0x3_0007)
        var (sender, receiver) = try pair(keyID: kid)
        for index in 0..<300 {
            let frame = try sender.protect(Array("opus frame \(index)".utf8), keyID: kid)
            let (header, plaintext) = try receiver.unprotect(frame)
            #expect(header == SFrameHeader(keyID: kid, counter: UInt64(index)))
            #expect(String(decoding: plaintext, as: UTF8.self) == "opus frame \(index)")
        }
    }

    @Test func privateSuiteRejectsEveryFlippedBit() throws {
        var (sender, receiver) = try pair(keyID: 9)
        let frame = try sender.protect([1, 2, 3, 4], keyID: 9)
        for bit in 0..<frame.count * 8 {
            var tampered = frame
            tampered[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(throws: CryptoError.self) { try receiver.unprotect(tampered) }
        }
        #expect(try receiver.unprotect(frame).plaintext == [1, 2, 3, 4])
    }

    @Test func privateSuiteRejectsReplaysButAcceptsReordering() throws {
        var (sender, receiver) = try pair(keyID: 1)
        let frames = try (0..<4).map { _ in try sender.protect([0], keyID: 1) }
        _ = try receiver.unprotect(frames[2])
        _ = try receiver.unprotect(frames[0])
        #expect(throws: CryptoError.replayed(counter: 2)) { try receiver.unprotect(frames[2]) }
        _ = try receiver.unprotect(frames[3])
        _ = try receiver.unprotect(frames[1])
    }

    @Test func metadataIsAuthenticated() throws {
        var (sender, receiver) = try pair(keyID: 1)
        let frame = try sender.protect([5], keyID: 1, metadata: [1])
        #expect(throws: CryptoError.authenticationFailed) { try receiver.unprotect(frame, metadata: [2]) }
    }

    @Test func unknownKeyIDsAndBrokenHeadersAreErrors() throws {
        var (sender, receiver) = try pair(keyID: 1)
        var frame = try sender.protect([5], keyID: 1)
        #expect(throws: CryptoError.unknownKeyID(2)) { try sender.protect([5], keyID: 2) }
        frame[0] = 0x02 << 4
        #expect(throws: CryptoError.unknownKeyID(2)) { try receiver.unprotect(frame) }
        #expect(throws: CryptoError.malformedSFrame("empty header")) { try receiver.unprotect([]) }
        #expect(throws: CryptoError.malformedSFrame("key id needs 8 bytes, 1 left")) { try SFrameHeader.decode([0xf0, 1]) }
        receiver.removeKey(keyID: 1)
        #expect(throws: CryptoError.unknownKeyID(1)) { try receiver.unprotect(try sender.protect([5], keyID: 1)) }
    }

    @Test func theTwoSuitesAndUnknownNumbers() throws {
        #expect(try SFrameSuite(number: 0xF001) == .chaCha20Poly1305SHA256)
        #expect(throws: CryptoError.unknownSuite(1)) { try SFrameSuite(number: 1) }
        #expect(SFrameSuite.preferred.isAvailable)
    }
}
