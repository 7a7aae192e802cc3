/// HKDF (RFC 5869) over any `HMACFunction`. Noise's HKDF (§4.3) is this with empty info.
public enum HKDF<MAC: HMACFunction> {
    /// RFC 5869 §2.3: L ≤ 255 · HashLen.
    public static var maximumOutputLength: Int { 255 * MAC.outputLength }

    /// HKDF-Extract(salt, IKM) → PRK. An empty salt acts as HashLen zero bytes (HMAC pads the key).
    public static func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        MAC.authenticate(ikm, key: salt)
    }

    /// HKDF-Expand(PRK, info, L) → OKM.
    public static func expand(prk: [UInt8], info: [UInt8], length: Int) throws(CryptoError) -> [UInt8] {
        guard length >= 0, length <= maximumOutputLength else {
            throw CryptoError.outputTooLong(requested: length, maximum: maximumOutputLength)
        }
        var okm: [UInt8] = []
        var block: [UInt8] = []
        var counter: UInt8 = 1
        while okm.count < length {
            block = MAC.authenticate(block + info + [counter], key: prk)
            okm += block
            counter &+= 1
        }
        return Array(okm.prefix(length))
    }

    /// Extract then expand.
    public static func derive(salt: [UInt8], ikm: [UInt8], info: [UInt8], length: Int) throws(CryptoError) -> [UInt8] {
        try expand(prk: extract(salt: salt, ikm: ikm), info: info, length: length)
    }
}

/// HKDF-SHA-256: Parlor's key schedule and the private SFrame suite.
public typealias HKDFSHA256 = HKDF<HMACSHA256>
/// HKDF-SHA-512: SFrame suite AES_256_GCM_SHA512_128.
public typealias HKDFSHA512 = HKDF<HMACSHA512>
