import CSodium

/// ChaCha20-Poly1305 as RFC 8439 defines it (libsodium's `_ietf_` variant): 32-byte key,
/// 12-byte nonce, 16-byte tag appended to the ciphertext. Noise, the media hop and Parlor's
/// private SFrame suite all use it.
public enum ChaCha20Poly1305 {
    /// Key length, RFC 8439 §2.8.
    public static let keyLength = Int(crypto_aead_chacha20poly1305_ietf_KEYBYTES)
    /// Nonce length, RFC 8439 §2.8.
    public static let nonceLength = Int(crypto_aead_chacha20poly1305_ietf_NPUBBYTES)
    /// Tag length, RFC 8439 §2.8.
    public static let tagLength = Int(crypto_aead_chacha20poly1305_ietf_ABYTES)

    /// Encrypts `plaintext` and returns ciphertext followed by the tag.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try check(key: key, nonce: nonce)
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var outLen: UInt64 = 0
        let rc = crypto_aead_chacha20poly1305_ietf_encrypt(
            &out, &outLen, plaintext, UInt64(plaintext.count), ad, UInt64(ad.count), nil, nonce, key)
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }

    /// Checks the tag and decrypts; throws `authenticationFailed` if anything was altered.
    public static func open(_ ciphertext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try check(key: key, nonce: nonce)
        guard ciphertext.count >= tagLength else {
            throw CryptoError.invalidLength(what: "ciphertext", expected: tagLength, got: ciphertext.count)
        }
        var out = [UInt8](repeating: 0, count: ciphertext.count - tagLength)
        var outLen: UInt64 = 0
        let rc = crypto_aead_chacha20poly1305_ietf_decrypt(
            &out, &outLen, nil, ciphertext, UInt64(ciphertext.count), ad, UInt64(ad.count), nonce, key)
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }

    /// The nonce Noise (§12.3) and Parlor's media datagrams use: 4 zero bytes, then the 64-bit
    /// counter little-endian.
    public static func counterNonce(_ counter: UInt64) -> [UInt8] {
        [0, 0, 0, 0] + withUnsafeBytes(of: counter.littleEndian, Array.init)
    }

    private static func check(key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        guard key.count == keyLength else {
            throw CryptoError.invalidLength(what: "key", expected: keyLength, got: key.count)
        }
        guard nonce.count == nonceLength else {
            throw CryptoError.invalidLength(what: "nonce", expected: nonceLength, got: nonce.count)
        }
    }
}
