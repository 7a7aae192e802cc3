import CSodium

/// XChaCha20-Poly1305 (libsodium's `_ietf_` construction): a 24-byte nonce, large enough to pick
/// at random for every message. Seals the room's metadata blobs.
public enum XChaCha20Poly1305 {
    /// Key length.
    public static let keyLength = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    /// Nonce length.
    public static let nonceLength = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    /// Tag length.
    public static let tagLength = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// Encrypts under a fresh random nonce and returns `nonce ‖ ciphertext ‖ tag`.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try check(key: key)
        let nonce = SecureRandom.bytes(nonceLength)
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var outLen: UInt64 = 0
        let rc = crypto_aead_xchacha20poly1305_ietf_encrypt(
            &out, &outLen, plaintext, UInt64(plaintext.count), ad, UInt64(ad.count), nil, nonce, key)
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return nonce + out
    }

    /// Opens `nonce ‖ ciphertext ‖ tag`; throws `authenticationFailed` if anything was altered.
    public static func open(_ box: [UInt8], key: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try check(key: key)
        guard box.count >= nonceLength + tagLength else {
            throw CryptoError.invalidLength(what: "sealed blob", expected: nonceLength + tagLength, got: box.count)
        }
        let nonce = Array(box.prefix(nonceLength))
        let ciphertext = Array(box.dropFirst(nonceLength))
        var out = [UInt8](repeating: 0, count: ciphertext.count - tagLength)
        var outLen: UInt64 = 0
        let rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
            &out, &outLen, nil, ciphertext, UInt64(ciphertext.count), ad, UInt64(ad.count), nonce, key)
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }

    private static func check(key: [UInt8]) throws(CryptoError) {
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        guard key.count == keyLength else {
            throw CryptoError.invalidLength(what: "key", expected: keyLength, got: key.count)
        }
    }
}
