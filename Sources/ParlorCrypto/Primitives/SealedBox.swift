import CSodium

/// libsodium's sealed box (`crypto_box_seal`): anonymous encryption to an X25519 public key.
/// The host delivers each new epoch secret to each member this way.
public enum SealedBox {
    /// Bytes a sealed box adds to its message (ephemeral public key and tag).
    public static let overhead = crypto_box_sealbytes()

    /// Encrypts `message` so that only the holder of `publicKey`'s private key can read it.
    public static func seal(_ message: [UInt8], to publicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        guard publicKey.count == X25519KeyPair.keyLength else {
            throw CryptoError.invalidLength(what: "X25519 public key", expected: X25519KeyPair.keyLength, got: publicKey.count)
        }
        var out = [UInt8](repeating: 0, count: message.count + overhead)
        guard crypto_box_seal(&out, message, UInt64(message.count), publicKey) == 0 else {
            throw CryptoError.weakPublicKey
        }
        return out
    }

    /// Opens a sealed box addressed to `keyPair`.
    public static func open(_ box: [UInt8], with keyPair: X25519KeyPair) throws(CryptoError) -> [UInt8] {
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        guard box.count >= overhead else {
            throw CryptoError.invalidLength(what: "sealed box", expected: overhead, got: box.count)
        }
        var out = [UInt8](repeating: 0, count: box.count - overhead)
        guard crypto_box_seal_open(&out, box, UInt64(box.count), keyPair.publicKey, keyPair.privateKey) == 0 else {
            throw CryptoError.authenticationFailed
        }
        return out
    }
}
