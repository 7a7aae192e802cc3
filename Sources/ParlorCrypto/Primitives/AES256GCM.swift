import CSodium

/// AES-256-GCM (NIST SP 800-38D) through libsodium, which implements it only with the AES-NI and
/// CLMUL instructions: every call throws `unavailable` on a CPU without them
/// (`Sodium.hasHardwareAES256GCM`). 32-byte key, 12-byte nonce, 16-byte tag appended.
public enum AES256GCM {
    static let aead = SodiumAEAD(
        name: "AES-256-GCM",
        keyLength: Int(crypto_aead_aes256gcm_KEYBYTES),
        nonceLength: Int(crypto_aead_aes256gcm_NPUBBYTES),
        tagLength: Int(crypto_aead_aes256gcm_ABYTES),
        encrypt: crypto_aead_aes256gcm_encrypt,
        decrypt: crypto_aead_aes256gcm_decrypt,
        isAvailable: { Sodium.hasHardwareAES256GCM })

    /// Key length (Nk of RFC 9605 suite 0x0005).
    public static let keyLength = aead.keyLength
    /// Nonce length (Nn).
    public static let nonceLength = aead.nonceLength
    /// Tag length (Nt).
    public static let tagLength = aead.tagLength

    /// Encrypts `plaintext` and returns ciphertext followed by the tag.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try aead.seal(plaintext, key: key, nonce: nonce, ad: ad)
    }

    /// Checks the tag and decrypts; throws `authenticationFailed` if anything was altered.
    public static func open(_ ciphertext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try aead.open(ciphertext, key: key, nonce: nonce, ad: ad)
    }
}
