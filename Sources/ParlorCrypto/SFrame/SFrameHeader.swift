/// The SFrame header (RFC 9605 §4.3): a config byte `X K K K Y C C C`, then the key id (KID)
/// and the counter (CTR) as big-endian integers of 1–8 bytes. A value below 8 fits in its
/// three config bits (X or Y = 0); otherwise the bits hold its length minus one (X or Y = 1).
public struct SFrameHeader: Sendable, Equatable {
    /// RFC 9605 §4.3: the config byte is two 4-bit halves, each an extended-form flag (X or Y)
    /// and a 3-bit field (K or C).
    static let extendedFlag: UInt8 = 0x08
    static let threeBits: UInt8 = 0x07
    /// The largest value that fits in the config byte itself.
    static let inlineMaximum: UInt64 = 7

    public let keyID: UInt64
    public let counter: UInt64

    public init(keyID: UInt64, counter: UInt64) {
        self.keyID = keyID
        self.counter = counter
    }

    /// The shortest encoding (the form RFC 9605's Appendix C.1 lists).
    public var encoded: [UInt8] {
        let (kidBits, kidBytes) = Self.field(keyID)
        let (ctrBits, ctrBytes) = Self.field(counter)
        return [kidBits << 4 | ctrBits] + kidBytes + ctrBytes
    }

    /// Parses a header at the start of `bytes`; returns it and how many bytes it took.
    /// Longer-than-needed encodings are accepted, as RFC 9605 does not forbid them.
    public static func decode(_ bytes: some Collection<UInt8>) throws(CryptoError) -> (header: SFrameHeader, length: Int) {
        let data = Array(bytes)
        guard let config = data.first else { throw CryptoError.malformedSFrame("empty header") }
        var offset = 1
        let keyID = try value(half: config >> 4, in: data, at: &offset, name: "key id")
        let counter = try value(half: config & 0x0f, in: data, at: &offset, name: "counter")
        return (SFrameHeader(keyID: keyID, counter: counter), offset)
    }

    /// The config half-byte and the trailing bytes for one value.
    private static func field(_ value: UInt64) -> (UInt8, [UInt8]) {
        if value <= inlineMaximum { return (UInt8(value), []) }
        let length = (64 - value.leadingZeroBitCount + 7) / 8
        let bytes = (0..<length).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        return (extendedFlag | UInt8(length - 1), bytes)
    }

    /// Reads one value described by a config half-byte.
    private static func value(half: UInt8, in data: [UInt8], at offset: inout Int, name: String) throws(CryptoError) -> UInt64 {
        guard half & extendedFlag != 0 else { return UInt64(half & threeBits) }
        let length = Int(half & threeBits) + 1
        guard data.count - offset >= length else {
            throw CryptoError.malformedSFrame("\(name) needs \(length) bytes, \(data.count - offset) left")
        }
        let value = data[offset..<offset + length].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        offset += length
        return value
    }
}
