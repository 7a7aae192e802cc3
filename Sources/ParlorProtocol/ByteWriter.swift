/// Appends big-endian and little-endian integers and LEB128 varints to a buffer.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    mutating func append(_ data: [UInt8]) {
        bytes += data
    }

    mutating func bigEndian(_ value: UInt64, width: Int) {
        bytes += (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    mutating func littleEndian(_ value: UInt64, width: Int) {
        bytes += (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// Unsigned LEB128: 7 bits per byte, low bits first, the high bit set on all but the last.
    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}
