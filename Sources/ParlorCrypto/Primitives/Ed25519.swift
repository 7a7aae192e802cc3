import CSodium

/// An Ed25519 signing key (RFC 8032) from a 32-byte seed: members' per-room keys and grant signers.
public struct Ed25519SigningKey: Sendable {
    /// Seed and public key length.
    public static let keyLength = Int(crypto_sign_PUBLICKEYBYTES)
    /// Signature length.
    public static let signatureLength = Int(crypto_sign_BYTES)

    /// The 32-byte seed everything else derives from (what a speaker invite carries).
    public let seed: [UInt8]
    public let publicKey: [UInt8]
    /// libsodium's 64-byte secret key (seed ‖ public key).
    private let secretKey: [UInt8]

    /// A fresh random key.
    public static func generate() -> Ed25519SigningKey {
        (try? Ed25519SigningKey(seed: SecureRandom.bytes(keyLength)))!
    }

    /// The key for a given seed.
    public init(seed: [UInt8]) throws(CryptoError) {
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        guard seed.count == Self.keyLength else {
            throw CryptoError.invalidLength(what: "Ed25519 seed", expected: Self.keyLength, got: seed.count)
        }
        var publicKey = [UInt8](repeating: 0, count: Self.keyLength)
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        crypto_sign_seed_keypair(&publicKey, &secretKey, seed)
        self.seed = seed
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A detached signature over `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: Self.signatureLength)
        crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey)
        return signature
    }

    /// A detached signature over `message`, written to `signature` (`signatureLength` bytes)
    /// without allocating: for the frame signatures of the media path.
    public func sign(_ message: UnsafeBufferPointer<UInt8>, into signature: UnsafeMutablePointer<UInt8>) {
        crypto_sign_detached(signature, nil, message.baseAddress, UInt64(message.count), secretKey)
    }

    /// Whether `signature` is a valid signature of `message` under `publicKey`.
    public static func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard Sodium.initialize(), signature.count == signatureLength, publicKey.count == keyLength else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}
