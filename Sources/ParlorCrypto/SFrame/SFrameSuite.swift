/// The SFrame cipher suites Parlor implements (RFC 9605 §4.5 and §8.1).
public enum SFrameSuite: UInt16, Sendable, CaseIterable {
    /// RFC 9605 `AES_256_GCM_SHA512_128`: AES-256-GCM, HKDF-SHA-512, 16-byte tag. Needs AES-NI.
    case aes256GCMSHA512 = 0x0005
    /// Parlor's private-use suite: ChaCha20-Poly1305 (RFC 8439), HKDF-SHA-256, 16-byte tag.
    /// Runs on every CPU. 0xF000–0xFFFF is RFC 9605's private-use range.
    case chaCha20Poly1305SHA256 = 0xF001

    /// Nk: key length.
    public var keyLength: Int { 32 }
    /// Nn: nonce length.
    public var nonceLength: Int { 12 }
    /// Nt: tag length.
    public var tagLength: Int { 16 }

    /// Whether this CPU can run the suite.
    public var isAvailable: Bool {
        switch self {
        case .aes256GCMSHA512: Sodium.hasHardwareAES256GCM
        case .chaCha20Poly1305SHA256: true
        }
    }

    /// The suite every member's CPU runs best: AES-GCM with AES-NI, ChaCha20-Poly1305 otherwise.
    public static var preferred: SFrameSuite {
        aes256GCMSHA512.isAvailable ? .aes256GCMSHA512 : .chaCha20Poly1305SHA256
    }

    /// Parses a suite number, rejecting those Parlor does not implement.
    public init(number: UInt16) throws(CryptoError) {
        guard let suite = SFrameSuite(rawValue: number) else { throw CryptoError.unknownSuite(number) }
        self = suite
    }

    func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        switch self {
        case .aes256GCMSHA512: HKDFSHA512.extract(salt: salt, ikm: ikm)
        case .chaCha20Poly1305SHA256: HKDFSHA256.extract(salt: salt, ikm: ikm)
        }
    }

    func expand(prk: [UInt8], info: [UInt8], length: Int) throws(CryptoError) -> [UInt8] {
        switch self {
        case .aes256GCMSHA512: try HKDFSHA512.expand(prk: prk, info: info, length: length)
        case .chaCha20Poly1305SHA256: try HKDFSHA256.expand(prk: prk, info: info, length: length)
        }
    }

    /// The suite's AEAD, for sealing and opening in place.
    var aead: SodiumAEAD {
        switch self {
        case .aes256GCMSHA512: AES256GCM.aead
        case .chaCha20Poly1305SHA256: ChaCha20Poly1305.aead
        }
    }

    func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch self {
        case .aes256GCMSHA512: try AES256GCM.seal(plaintext, key: key, nonce: nonce, ad: ad)
        case .chaCha20Poly1305SHA256: try ChaCha20Poly1305.seal(plaintext, key: key, nonce: nonce, ad: ad)
        }
    }

    func open(_ ciphertext: [UInt8], key: [UInt8], nonce: [UInt8], ad: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch self {
        case .aes256GCMSHA512: try AES256GCM.open(ciphertext, key: key, nonce: nonce, ad: ad)
        case .chaCha20Poly1305SHA256: try ChaCha20Poly1305.open(ciphertext, key: key, nonce: nonce, ad: ad)
        }
    }
}
