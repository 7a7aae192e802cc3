import CSodium

/// A keyed message authentication code as HKDF (RFC 5869) needs it: any key length, a fixed
/// output length (HashLen).
public protocol HMACFunction {
    /// HashLen: the length of every tag this function returns.
    static var outputLength: Int { get }
    /// HMAC(key, message).
    static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8]
}

/// HMAC-SHA-256 (RFC 2104) from libsodium's `crypto_auth_hmacsha256_*` streaming API, which
/// accepts keys of any length.
public enum HMACSHA256: HMACFunction {
    public static let outputLength = Int(crypto_auth_hmacsha256_BYTES)

    public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        Sodium.initialize()
        var state = crypto_auth_hmacsha256_state()
        var out = [UInt8](repeating: 0, count: outputLength)
        crypto_auth_hmacsha256_init(&state, key, key.count)
        crypto_auth_hmacsha256_update(&state, message, UInt64(message.count))
        crypto_auth_hmacsha256_final(&state, &out)
        return out
    }
}

/// HMAC-SHA-512 (RFC 2104) from libsodium's `crypto_auth_hmacsha512_*` streaming API.
public enum HMACSHA512: HMACFunction {
    public static let outputLength = Int(crypto_auth_hmacsha512_BYTES)

    public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        Sodium.initialize()
        var state = crypto_auth_hmacsha512_state()
        var out = [UInt8](repeating: 0, count: outputLength)
        crypto_auth_hmacsha512_init(&state, key, key.count)
        crypto_auth_hmacsha512_update(&state, message, UInt64(message.count))
        crypto_auth_hmacsha512_final(&state, &out)
        return out
    }
}

/// HMAC-BLAKE2b-512: RFC 2104's construction over unkeyed BLAKE2b with its 128-byte block,
/// which is what the Noise specification (§4.3) means by HMAC-HASH for BLAKE2b. libsodium has
/// no HMAC over BLAKE2b (keyed BLAKE2b is a different function), so this builds it.
public enum HMACBLAKE2b: HMACFunction {
    public static let outputLength = BLAKE2b.maximumOutputLength
    /// RFC 2104 §2: ipad and opad bytes.
    static let innerPad: UInt8 = 0x36
    static let outerPad: UInt8 = 0x5c

    public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        var block = key.count > BLAKE2b.blockLength ? digest(key) : key
        block += [UInt8](repeating: 0, count: BLAKE2b.blockLength - block.count)
        let inner = digest(block.map { $0 ^ innerPad } + message)
        return digest(block.map { $0 ^ outerPad } + inner)
    }

    /// Unkeyed 64-byte BLAKE2b; the arguments are constants, so it cannot fail.
    private static func digest(_ data: [UInt8]) -> [UInt8] {
        (try? BLAKE2b.hash(data)) ?? []
    }
}
