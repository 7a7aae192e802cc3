/// Reads big-endian integers, LEB128 varints and byte runs from a buffer, throwing on truncation.
struct ByteReader {
    /// LEB128 needs at most 10 bytes for a 64-bit value.
    static let maximumVarintLength = 10

    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: some Collection<UInt8>) {
        self.bytes = Array(bytes)
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte(_ what: String) throws(ParlorProtocolError) -> UInt8 {
        guard remaining >= 1 else { throw ParlorProtocolError.truncated(what) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bytes(_ count: Int, _ what: String) throws(ParlorProtocolError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw ParlorProtocolError.truncated(what) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func bigEndian(_ width: Int, _ what: String) throws(ParlorProtocolError) -> UInt64 {
        try bytes(width, what).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func littleEndian(_ width: Int, _ what: String) throws(ParlorProtocolError) -> UInt64 {
        try bytes(width, what).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// An unsigned LEB128 varint in its shortest form.
    mutating func varint(_ what: String) throws(ParlorProtocolError) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<Self.maximumVarintLength {
            let byte = try byte(what)
            let bits = UInt64(byte & 0x7f)
            if index == Self.maximumVarintLength - 1, byte > 1 { throw ParlorProtocolError.invalidVarint }
            value |= bits << (7 * UInt64(index))
            if byte & 0x80 == 0 {
                if index > 0, byte == 0 { throw ParlorProtocolError.invalidVarint }   // not the shortest form
                return value
            }
        }
        throw ParlorProtocolError.invalidVarint
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}
