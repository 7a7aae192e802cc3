import Testing
@testable import ParlorCrypto

@Suite struct ChaCha20Poly1305Tests {
    let key = SecureRandom.bytes(ChaCha20Poly1305.keyLength)
    let nonce = SecureRandom.bytes(ChaCha20Poly1305.nonceLength)

    @Test func roundTripWithAssociatedData() throws {
        let message = Array("a frame of audio".utf8)
        let sealed = try ChaCha20Poly1305.seal(message, key: key, nonce: nonce, ad: [1, 2, 3])
        #expect(sealed.count == message.count + 16)
        #expect(Array(sealed.prefix(message.count)) != message)
        #expect(try ChaCha20Poly1305.open(sealed, key: key, nonce: nonce, ad: [1, 2, 3]) == message)
    }

    @Test func everyFlippedBitIsRejected() throws {
        let sealed = try ChaCha20Poly1305.seal(Array("x".utf8), key: key, nonce: nonce)
        for i in 0..<sealed.count * 8 {
            var tampered = sealed
            tampered[i / 8] ^= UInt8(1 << (i % 8))
            #expect(throws: CryptoError.authenticationFailed) {
                try ChaCha20Poly1305.open(tampered, key: key, nonce: nonce)
            }
        }
    }

    @Test func wrongAssociatedDataKeyOrNonceIsRejected() throws {
        let sealed = try ChaCha20Poly1305.seal([9, 9, 9], key: key, nonce: nonce, ad: [1])
        #expect(throws: CryptoError.authenticationFailed) { try ChaCha20Poly1305.open(sealed, key: key, nonce: nonce, ad: [2]) }
        #expect(throws: CryptoError.authenticationFailed) {
            try ChaCha20Poly1305.open(sealed, key: SecureRandom.bytes(32), nonce: nonce, ad: [1])
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try ChaCha20Poly1305.open(sealed, key: key, nonce: SecureRandom.bytes(12), ad: [1])
        }
    }

    @Test func badLengthsAreTypedErrors() {
        #expect(throws: CryptoError.invalidLength(what: "key", expected: 32, got: 31)) {
            try ChaCha20Poly1305.seal([], key: Array(key.prefix(31)), nonce: nonce)
        }
        #expect(throws: CryptoError.invalidLength(what: "ciphertext", expected: 16, got: 3)) {
            try ChaCha20Poly1305.open([1, 2, 3], key: key, nonce: nonce)
        }
    }
}
