import CSodium

/// AES-256-GCM (NIST SP 800-38D) through libsodium, which implements it only with the AES-NI and
/// CLMUL instructions: every call throws `unavailable` on a CPU without them
/// (`Sodium.hasHardwareAES256GCM`). 32-byte key, 12-byte nonce, 16-byte tag appended.
public enum AES256GCM {
    /// Key length (Nk of RFC 9605 suite 0x0005).
    public static let keyLength = Int(crypto_aead_aes256gcm_KEYBYTES)
    /// Nonce length (Nn).
    public static let nonceLength = Int(crypto_aead_aes256gcm_NPUBBYTES)
    /// Tag length (Nt).
    public static let tagLength = Int(crypto_aead_aes256gcm_ABYTES)

    /// Encrypts `plaintext` and returns ciphertext followed by the tag.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try check(key: key, nonce: nonce)
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var outLen: UInt64 = 0
        let rc = crypto_aead_aes256gcm_encrypt(
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
        let rc = crypto_aead_aes256gcm_decrypt(
            &out, &outLen, nil, ciphertext, UInt64(ciphertext.count), ad, UInt64(ad.count), nonce, key)
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }

    private static func check(key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        guard Sodium.hasHardwareAES256GCM else { throw CryptoError.unavailable("AES-256-GCM") }
        guard key.count == keyLength else {
            throw CryptoError.invalidLength(what: "key", expected: keyLength, got: key.count)
        }
        guard nonce.count == nonceLength else {
            throw CryptoError.invalidLength(what: "nonce", expected: nonceLength, got: nonce.count)
        }
    }
}
