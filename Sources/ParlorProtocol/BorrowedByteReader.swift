/// Reads integers from bytes where they lie, throwing on truncation: `ByteReader` without the
/// copy, for the media path, which parses every datagram and payload without allocating.
/// The bytes must outlive the reader.
struct BorrowedByteReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    mutating func byte(_ what: StaticString) throws(ParlorProtocolError) -> UInt8 {
        guard remaining >= 1 else { throw ParlorProtocolError.truncated("\(what)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    // The loops below index the bytes directly: a debug build's generic iterators allocate.

    mutating func bigEndian(_ width: Int, _ what: StaticString) throws(ParlorProtocolError) -> UInt64 {
        let start = try skip(width, what).lowerBound
        var value: UInt64 = 0
        var index = start
        while index < start + width {
            value = value << 8 | UInt64(bytes[index])
            index += 1
        }
        return value
    }

    mutating func littleEndian(_ width: Int, _ what: StaticString) throws(ParlorProtocolError) -> UInt64 {
        let start = try skip(width, what).lowerBound
        var value: UInt64 = 0
        var index = start + width
        while index > start {
            index -= 1
            value = value << 8 | UInt64(bytes[index])
        }
        return value
    }

    /// Passes over `count` bytes; returns where they are.
    mutating func skip(_ count: Int, _ what: StaticString) throws(ParlorProtocolError) -> Range<Int> {
        guard count >= 0, remaining >= count else { throw ParlorProtocolError.truncated("\(what)") }
        defer { offset += count }
        return offset ..< offset + count
    }

    /// Whether every byte left is zero (padding).
    var restIsZero: Bool {
        var index = offset
        while index < bytes.count {
            if bytes[index] != 0 { return false }
            index += 1
        }
        return true
    }
}
