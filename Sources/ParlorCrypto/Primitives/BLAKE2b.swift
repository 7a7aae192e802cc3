import CSodium

/// BLAKE2b (RFC 7693) through libsodium's `crypto_generichash`, plain or keyed.
public enum BLAKE2b {
    /// The longest digest BLAKE2b produces, and Noise's HASHLEN for BLAKE2b.
    public static let maximumOutputLength = 64
    /// BLAKE2b's block length, Noise's BLOCKLEN for BLAKE2b (used by HMAC).
    public static let blockLength = 128
    /// The longest key keyed BLAKE2b accepts.
    public static let maximumKeyLength = 64

    /// The digest of `message` (optionally keyed), `outputLength` bytes long (1…64).
    public static func hash(_ message: [UInt8], key: [UInt8] = [], outputLength: Int = maximumOutputLength) throws(CryptoError) -> [UInt8] {
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        guard (1...maximumOutputLength).contains(outputLength) else {
            throw CryptoError.invalidLength(what: "BLAKE2b output", expected: maximumOutputLength, got: outputLength)
        }
        guard key.count <= maximumKeyLength else {
            throw CryptoError.invalidLength(what: "BLAKE2b key", expected: maximumKeyLength, got: key.count)
        }
        var out = [UInt8](repeating: 0, count: outputLength)
        let rc = crypto_generichash(&out, outputLength, message, UInt64(message.count),
                                    key.isEmpty ? nil : key, key.count)
        guard rc == 0 else { throw CryptoError.libraryUnavailable }
        return out
    }
}
