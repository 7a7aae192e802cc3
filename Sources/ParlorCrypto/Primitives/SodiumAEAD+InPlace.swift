/// The same AEADs on caller-owned memory, for the media path, which allocates nothing per frame:
/// sealing writes `ciphertext ‖ tag` where the caller says, and opening decrypts in place.
/// They check lengths but not the library or the CPU: their callers do that once, when they are
/// made (`SFrameContext.init` refuses a suite this CPU cannot run; the hop's sender and receiver
/// initialise libsodium).
extension SodiumAEAD {
    /// Seals `plaintext` into `out` (ciphertext then tag); returns the bytes written. `out` may
    /// start where `plaintext` starts (libsodium encrypts in place) but must not overlap `ad`.
    func seal(_ plaintext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
              ad: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(CryptoError) -> Int {
        try check(key: key.count, nonce: nonce.count)
        let needed = plaintext.count + tagLength
        guard out.count >= needed else { throw CryptoError.invalidLength(what: "output", expected: needed, got: out.count) }
        let rc = encrypt(out.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
                         plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(plaintext.count),
                         ad.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(ad.count), nil,
                         nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), key.baseAddress!.assumingMemoryBound(to: UInt8.self))
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return needed
    }

    /// Checks the tag at the end of `box` and decrypts the rest in place; returns the plaintext
    /// length (it starts where `box` starts). On failure `box` is left as it was.
    func open(inPlace box: UnsafeMutableRawBufferPointer, key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
              ad: UnsafeRawBufferPointer) throws(CryptoError) -> Int {
        try check(key: key.count, nonce: nonce.count)
        guard box.count >= tagLength else { throw CryptoError.invalidLength(what: "ciphertext", expected: tagLength, got: box.count) }
        let start = box.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let rc = decrypt(start, nil, nil, start, UInt64(box.count), ad.baseAddress?.assumingMemoryBound(to: UInt8.self),
                         UInt64(ad.count), nonce.baseAddress!.assumingMemoryBound(to: UInt8.self),
                         key.baseAddress!.assumingMemoryBound(to: UInt8.self))
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return box.count - tagLength
    }

    private func check(key: Int, nonce: Int) throws(CryptoError) {
        guard key == keyLength else { throw CryptoError.invalidLength(what: "key", expected: keyLength, got: key) }
        guard nonce == nonceLength else { throw CryptoError.invalidLength(what: "nonce", expected: nonceLength, got: nonce) }
    }
}

extension ChaCha20Poly1305 {
    /// Opens a datagram sealed under the counter nonce (4 zero bytes ‖ counter, LE) in place:
    /// checks the tag at the end of `box`, decrypts the rest where it lies and returns its length.
    /// Allocates nothing: the media path's receive side.
    public static func open(inPlace box: UnsafeMutableRawBufferPointer, key: UnsafeRawBufferPointer, counter: UInt64,
                            ad: UnsafeRawBufferPointer) throws(CryptoError) -> Int {
        var nonce: (UInt32, UInt32, UInt32) = (0, UInt32(truncatingIfNeeded: counter).littleEndian,
                                               UInt32(truncatingIfNeeded: counter >> 32).littleEndian)
        let opened = withUnsafeBytes(of: &nonce) { nonce in
            Result { () throws(CryptoError) -> Int in try aead.open(inPlace: box, key: key, nonce: nonce, ad: ad) }
        }
        return try opened.get()
    }
}
