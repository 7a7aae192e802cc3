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

    /// The longest header: the config byte and two 8-byte values.
    public static let maximumLength = 17

    /// Writes the shortest encoding at the start of `out` (`maximumLength` bytes always suffice);
    /// returns its length. Allocates nothing.
    public func encode(into out: UnsafeMutableRawBufferPointer) throws(CryptoError) -> Int {
        let kidLength = Self.trailingLength(keyID), ctrLength = Self.trailingLength(counter)
        let length = 1 + kidLength + ctrLength
        guard out.count >= length else { throw CryptoError.invalidLength(what: "SFrame header buffer", expected: length, got: out.count) }
        out[0] = Self.half(keyID, kidLength) << 4 | Self.half(counter, ctrLength)
        Self.store(keyID, length: kidLength, in: out, at: 1)
        Self.store(counter, length: ctrLength, in: out, at: 1 + kidLength)
        return length
    }

    /// Parses a header at the start of `bytes`; returns it and how many bytes it took.
    /// Longer-than-needed encodings are accepted, as RFC 9605 does not forbid them.
    public static func decode(_ bytes: some Collection<UInt8>) throws(CryptoError) -> (header: SFrameHeader, length: Int) {
        let parsed = Array(bytes).withUnsafeBytes { bytes in Result { () throws(CryptoError) in try decode(bytes) } }
        return try parsed.get()
    }

    /// Parses a header at the start of `bytes` where they lie, allocating nothing.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(CryptoError) -> (header: SFrameHeader, length: Int) {
        guard bytes.count > 0 else { throw CryptoError.malformedSFrame("empty header") }
        let config = bytes[0]
        var offset = 1
        let keyID = try value(half: config >> 4, in: bytes, at: &offset, name: "key id")
        let counter = try value(half: config & 0x0f, in: bytes, at: &offset, name: "counter")
        return (SFrameHeader(keyID: keyID, counter: counter), offset)
    }

    /// Bytes after the config byte that `value` takes in its shortest form (0 when it fits inline).
    private static func trailingLength(_ value: UInt64) -> Int {
        value <= inlineMaximum ? 0 : (64 - value.leadingZeroBitCount + 7) / 8
    }

    /// The config half-byte for `value` taking `length` trailing bytes.
    private static func half(_ value: UInt64, _ length: Int) -> UInt8 {
        length == 0 ? UInt8(value) : extendedFlag | UInt8(length - 1)
    }

    private static func store(_ value: UInt64, length: Int, in out: UnsafeMutableRawBufferPointer, at offset: Int) {
        for index in 0..<length { out[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(length - 1 - index))) }
    }

    /// The config half-byte and the trailing bytes for one value.
    private static func field(_ value: UInt64) -> (UInt8, [UInt8]) {
        if value <= inlineMaximum { return (UInt8(value), []) }
        let length = (64 - value.leadingZeroBitCount + 7) / 8
        let bytes = (0..<length).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        return (extendedFlag | UInt8(length - 1), bytes)
    }

    /// Reads one value described by a config half-byte.
    private static func value(half: UInt8, in data: UnsafeRawBufferPointer, at offset: inout Int,
                              name: StaticString) throws(CryptoError) -> UInt64 {
        guard half & extendedFlag != 0 else { return UInt64(half & threeBits) }
        let length = Int(half & threeBits) + 1
        guard data.count - offset >= length else {
            throw CryptoError.malformedSFrame("\(name) needs \(length) bytes, \(data.count - offset) left")
        }
        var value: UInt64 = 0
        for index in 0..<length { value = value << 8 | UInt64(data[offset + index]) }
        offset += length
        return value
    }
}
