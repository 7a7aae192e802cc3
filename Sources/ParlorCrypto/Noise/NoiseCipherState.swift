/// A Noise CipherState (Noise specification §5.1) for ChaChaPoly: a key and a 64-bit nonce.
public struct NoiseCipherState: Sendable {
    /// Noise §5.1: the nonce 2^64-1 is reserved and never used to encrypt.
    static let reservedNonce = UInt64.max

    /// The key, or nil before the handshake has mixed any key in (then data passes in clear).
    private(set) var key: [UInt8]?
    /// The next nonce.
    public private(set) var nonce: UInt64 = 0

    init(key: [UInt8]?) {
        self.key = key
    }

    /// ENCRYPTWITHAD: encrypts and advances the nonce (plaintext passes through with no key).
    mutating func encrypt(_ plaintext: [UInt8], ad: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let key else { return plaintext }
        guard nonce != Self.reservedNonce else { throw CryptoError.nonceExhausted }
        let ciphertext = try ChaCha20Poly1305.seal(plaintext, key: key, nonce: ChaCha20Poly1305.counterNonce(nonce), ad: ad)
        nonce += 1
        return ciphertext
    }

    /// DECRYPTWITHAD: decrypts and advances the nonce only on success (Noise §5.1).
    mutating func decrypt(_ ciphertext: [UInt8], ad: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let key else { return ciphertext }
        guard nonce != Self.reservedNonce else { throw CryptoError.nonceExhausted }
        let plaintext = try ChaCha20Poly1305.open(ciphertext, key: key, nonce: ChaCha20Poly1305.counterNonce(nonce), ad: ad)
        nonce += 1
        return plaintext
    }
}
