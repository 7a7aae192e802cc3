import CSodium

/// What libsodium's combined-mode AEADs share: one function shape for encryption and one for
/// decryption, a key, a nonce and a tag appended to the ciphertext. ChaCha20Poly1305,
/// AES256GCM and XChaCha20Poly1305 are this with their own functions and lengths.
struct SodiumAEAD: Sendable {
    /// (c, clen_p, m, mlen, ad, adlen, nsec, npub, k)
    typealias Encrypt = @convention(c) (
        UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt64>?, UnsafePointer<UInt8>?, UInt64,
        UnsafePointer<UInt8>?, UInt64, UnsafePointer<UInt8>?, UnsafePointer<UInt8>, UnsafePointer<UInt8>) -> Int32
    /// (m, mlen_p, nsec, c, clen, ad, adlen, npub, k)
    typealias Decrypt = @convention(c) (
        UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt64>?, UnsafeMutablePointer<UInt8>?, UnsafePointer<UInt8>, UInt64,
        UnsafePointer<UInt8>?, UInt64, UnsafePointer<UInt8>, UnsafePointer<UInt8>) -> Int32

    let name: String
    let keyLength: Int
    let nonceLength: Int
    let tagLength: Int
    let encrypt: Encrypt
    let decrypt: Decrypt
    /// Whether this CPU can run it (AES-GCM needs AES-NI).
    let isAvailable: @Sendable () -> Bool

    func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8]) throws(CryptoError) -> [UInt8] {
        try check(key: key, nonce: nonce)
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var outLength: UInt64 = 0
        guard encrypt(&out, &outLength, plaintext, UInt64(plaintext.count), ad, UInt64(ad.count), nil, nonce, key) == 0 else {
            throw CryptoError.authenticationFailed
        }
        return out
    }

    func open(_ ciphertext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8]) throws(CryptoError) -> [UInt8] {
        try check(key: key, nonce: nonce)
        guard ciphertext.count >= tagLength else {
            throw CryptoError.invalidLength(what: "ciphertext", expected: tagLength, got: ciphertext.count)
        }
        var out = [UInt8](repeating: 0, count: ciphertext.count - tagLength)
        var outLength: UInt64 = 0
        guard decrypt(&out, &outLength, nil, ciphertext, UInt64(ciphertext.count), ad, UInt64(ad.count), nonce, key) == 0 else {
            throw CryptoError.authenticationFailed
        }
        return out
    }

    private func check(key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        guard isAvailable() else { throw CryptoError.unavailable(name) }
        guard key.count == keyLength else {
            throw CryptoError.invalidLength(what: "key", expected: keyLength, got: key.count)
        }
        guard nonce.count == nonceLength else {
            throw CryptoError.invalidLength(what: "nonce", expected: nonceLength, got: nonce.count)
        }
    }
}
