import CSodium

/// An X25519 key pair (RFC 7748): Noise's DH and the member key that sealed epoch secrets go to.
public struct X25519KeyPair: Sendable {
    /// Length of public keys, private keys and shared secrets (Noise's DHLEN).
    public static let keyLength = Int(crypto_scalarmult_BYTES)

    public let publicKey: [UInt8]
    /// The private scalar. Kept inside the module; only `sharedSecret(with:)` uses it.
    let privateKey: [UInt8]

    /// A fresh random key pair.
    public static func generate() -> X25519KeyPair {
        // A random 32-byte string is a valid private key (RFC 7748 §5 clamps it when used).
        (try? X25519KeyPair(privateKey: SecureRandom.bytes(keyLength)))!
    }

    /// The key pair for a given private key.
    public init(privateKey: [UInt8]) throws(CryptoError) {
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        guard privateKey.count == Self.keyLength else {
            throw CryptoError.invalidLength(what: "X25519 private key", expected: Self.keyLength, got: privateKey.count)
        }
        var publicKey = [UInt8](repeating: 0, count: Self.keyLength)
        guard crypto_scalarmult_base(&publicKey, privateKey) == 0 else { throw CryptoError.weakPublicKey }
        self.privateKey = privateKey
        self.publicKey = publicKey
    }

    /// X25519(private, peer). Throws `weakPublicKey` for a low-order peer key (an all-zero result).
    public func sharedSecret(with peerPublicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard peerPublicKey.count == Self.keyLength else {
            throw CryptoError.invalidLength(what: "X25519 public key", expected: Self.keyLength, got: peerPublicKey.count)
        }
        var out = [UInt8](repeating: 0, count: Self.keyLength)
        guard crypto_scalarmult(&out, privateKey, peerPublicKey) == 0 else { throw CryptoError.weakPublicKey }
        return out
    }
}
