import CSodium

/// ChaCha20-Poly1305 as RFC 8439 defines it (libsodium's `_ietf_` variant): 32-byte key,
/// 12-byte nonce, 16-byte tag appended to the ciphertext. Noise, the media hop and Parlor's
/// private SFrame suite all use it.
public enum ChaCha20Poly1305 {
    static let aead = SodiumAEAD(
        name: "ChaCha20-Poly1305",
        keyLength: Int(crypto_aead_chacha20poly1305_ietf_KEYBYTES),
        nonceLength: Int(crypto_aead_chacha20poly1305_ietf_NPUBBYTES),
        tagLength: Int(crypto_aead_chacha20poly1305_ietf_ABYTES),
        encrypt: crypto_aead_chacha20poly1305_ietf_encrypt,
        decrypt: crypto_aead_chacha20poly1305_ietf_decrypt,
        isAvailable: { true })

    /// Key length, RFC 8439 §2.8.
    public static let keyLength = aead.keyLength
    /// Nonce length, RFC 8439 §2.8.
    public static let nonceLength = aead.nonceLength
    /// Tag length, RFC 8439 §2.8.
    public static let tagLength = aead.tagLength

    /// Encrypts `plaintext` and returns ciphertext followed by the tag.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try aead.seal(plaintext, key: key, nonce: nonce, ad: ad)
    }

    /// Checks the tag and decrypts; throws `authenticationFailed` if anything was altered.
    public static func open(_ ciphertext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try aead.open(ciphertext, key: key, nonce: nonce, ad: ad)
    }

    /// Seals `plaintext` under the counter nonce into `out` (ciphertext then tag) without
    /// allocating: the relay's per-packet path. `out` must hold `plaintext.count + tagLength`
    /// bytes and `key` must be `keyLength` bytes; both are checked.
    public static func seal(_ plaintext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, counter: UInt64,
                            ad: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(CryptoError) -> Int {
        guard key.count == keyLength else { throw CryptoError.invalidLength(what: "key", expected: keyLength, got: key.count) }
        let needed = plaintext.count + tagLength
        guard out.count >= needed else { throw CryptoError.invalidLength(what: "output", expected: needed, got: out.count) }
        // 4 zero bytes, then the counter little-endian: three contiguous 32-bit words.
        var nonce: (UInt32, UInt32, UInt32) = (0, UInt32(truncatingIfNeeded: counter).littleEndian,
                                               UInt32(truncatingIfNeeded: counter >> 32).littleEndian)
        let rc = withUnsafeBytes(of: &nonce) { n in
            crypto_aead_chacha20poly1305_ietf_encrypt(
                out.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
                plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(plaintext.count),
                ad.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(ad.count), nil,
                n.baseAddress!.assumingMemoryBound(to: UInt8.self), key.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return needed
    }

    /// The nonce Noise (§12.3) and Parlor's media datagrams use: 4 zero bytes, then the 64-bit
    /// counter little-endian.
    public static func counterNonce(_ counter: UInt64) -> [UInt8] {
        [0, 0, 0, 0] + withUnsafeBytes(of: counter.littleEndian, Array.init)
    }
}
