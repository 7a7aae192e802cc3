/// The key and salt SFrame derives from a base key for one KID (RFC 9605 §4.4.2):
///
///     sframe_secret = HKDF-Extract("", base_key)
///     sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  ‖ KID(8) ‖ suite(2), Nk)
///     sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " ‖ KID(8) ‖ suite(2), Nn)
public struct SFrameKey: Sendable, Hashable {
    static let keyLabel = Array("SFrame 1.0 Secret key ".utf8)
    static let saltLabel = Array("SFrame 1.0 Secret salt ".utf8)

    public let key: [UInt8]
    public let salt: [UInt8]

    public init(baseKey: [UInt8], keyID: UInt64, suite: SFrameSuite) throws(CryptoError) {
        let secret = suite.extract(salt: [], ikm: baseKey)
        let context = Self.bigEndian(keyID, width: 8) + Self.bigEndian(UInt64(suite.rawValue), width: 2)
        key = try suite.expand(prk: secret, info: Self.keyLabel + context, length: suite.keyLength)
        salt = try suite.expand(prk: secret, info: Self.saltLabel + context, length: suite.nonceLength)
    }

    /// RFC 9605 §4.4.3: the salt XOR the counter, left-padded to Nn bytes.
    func nonce(counter: UInt64) -> [UInt8] {
        let padded = Self.bigEndian(counter, width: salt.count)
        return zip(salt, padded).map { $0 ^ $1 }
    }

    /// The same nonce written into `out` (`salt.count` bytes), allocating nothing.
    func nonce(counter: UInt64, into out: UnsafeMutableRawBufferPointer) {
        let width = salt.count
        for index in 0..<width {
            let shift = width - 1 - index
            let counterByte = shift < 8 ? UInt8(truncatingIfNeeded: counter >> (8 * UInt64(shift))) : 0
            out[index] = salt[index] ^ counterByte
        }
    }

    static func bigEndian(_ value: UInt64, width: Int) -> [UInt8] {
        (0..<width).reversed().map { $0 < 8 ? UInt8(truncatingIfNeeded: value >> (8 * $0)) : 0 }
    }
}
