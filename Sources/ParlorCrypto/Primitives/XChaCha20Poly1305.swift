import CSodium

/// XChaCha20-Poly1305 (libsodium's `_ietf_` construction): a 24-byte nonce, large enough to pick
/// at random for every message. Seals the room's metadata blobs.
public enum XChaCha20Poly1305 {
    static let aead = SodiumAEAD(
        name: "XChaCha20-Poly1305",
        keyLength: Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES),
        nonceLength: Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES),
        tagLength: Int(crypto_aead_xchacha20poly1305_ietf_ABYTES),
        encrypt: crypto_aead_xchacha20poly1305_ietf_encrypt,
        decrypt: crypto_aead_xchacha20poly1305_ietf_decrypt,
        isAvailable: { true })

    /// Key length.
    public static let keyLength = aead.keyLength
    /// Nonce length.
    public static let nonceLength = aead.nonceLength
    /// Tag length.
    public static let tagLength = aead.tagLength

    /// Encrypts under a fresh random nonce and returns `nonce ‖ ciphertext ‖ tag`.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        let nonce = SecureRandom.bytes(nonceLength)
        return nonce + (try aead.seal(plaintext, key: key, nonce: nonce, ad: ad))
    }

    /// Opens `nonce ‖ ciphertext ‖ tag`; throws `authenticationFailed` if anything was altered.
    public static func open(_ box: [UInt8], key: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard box.count >= nonceLength + tagLength else {
            throw CryptoError.invalidLength(what: "sealed blob", expected: nonceLength + tagLength, got: box.count)
        }
        return try aead.open(Array(box.dropFirst(nonceLength)), key: key, nonce: Array(box.prefix(nonceLength)), ad: ad)
    }
}
