/// The 16-byte header of every media datagram, WireGuard style:
/// `type(1) reserved(3) = 0 ‖ receiver_index(4, LE) ‖ counter(8, LE)`.
/// It is the associated data of the datagram's ChaCha20-Poly1305 encryption.
public struct MediaHeader: Sendable, Equatable {
    /// The layout, named once: the type byte, three reserved zero bytes, the receiver index
    /// (LE) and the counter (LE). A cookie reply shares the first 8 bytes.
    public static let length = 16
    static let reservedRange = 1..<4
    public static let receiverIndexOffset = 4
    static let counterOffset = 8

    /// What the datagram carries.
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// A media payload (`MediaPayload`).
        case media = 1
        /// Keepalive (empty) or path probe (an 8-byte probe id the relay echoes back).
        case keepalive = 2
        /// The relay's cookie reply under load (`CookieReply`; a different layout after the index).
        case cookieReply = 3
    }

    public var kind: Kind
    /// The index the receiver announced in its `media_setup`; tells it which session this is.
    public var receiverIndex: UInt32
    /// Per-direction counter: the nonce, and what the replay window checks.
    public var counter: UInt64

    public init(kind: Kind, receiverIndex: UInt32, counter: UInt64) {
        self.kind = kind
        self.receiverIndex = receiverIndex
        self.counter = counter
    }

    public var encoded: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.length)
        bytes.withUnsafeMutableBytes { write(into: $0) }
        return bytes
    }

    /// Writes the 16 bytes at the start of `out` (which holds at least `length`). Allocates nothing.
    public func write(into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= Self.length, "a media header takes 16 bytes")
        out.storeBytes(of: UInt32(kind.rawValue).littleEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: receiverIndex.littleEndian, toByteOffset: Self.receiverIndexOffset, as: UInt32.self)
        out.storeBytes(of: counter.littleEndian, toByteOffset: Self.counterOffset, as: UInt64.self)
    }

    /// The receiver index of a datagram of any type, read without checking anything else (the
    /// relay's lookup before it opens the datagram); nil when it is shorter than a header.
    public static func receiverIndex(of bytes: UnsafeRawBufferPointer) -> UInt32? {
        guard bytes.count >= length else { return nil }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: receiverIndexOffset, as: UInt32.self))
    }

    /// Parses the header of a media or keepalive datagram where it lies: the type, zero
    /// reserved bytes, the index and the counter. Allocates nothing.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(ParlorProtocolError) -> MediaHeader {
        var reader = BorrowedByteReader(bytes)
        let type = try reader.byte("datagram type")
        guard let kind = Kind(rawValue: type) else { throw ParlorProtocolError.unknownDatagramType(type) }
        guard kind != .cookieReply else {
            throw ParlorProtocolError.invalidField(message: "datagram", field: "type", reason: "a cookie reply has no counter")
        }
        guard try reader.bigEndian(reservedRange.count, "datagram reserved bytes") == 0 else { throw ParlorProtocolError.reservedBitsSet }
        let index = UInt32(try reader.littleEndian(4, "receiver index"))
        let counter = try reader.littleEndian(8, "datagram counter")
        return MediaHeader(kind: kind, receiverIndex: index, counter: counter)
    }

    /// Parses the type byte, reserved bytes and receiver index common to every datagram.
    static func decodePrefix(_ reader: inout ByteReader) throws(ParlorProtocolError) -> (Kind, UInt32) {
        let type = try reader.byte("datagram type")
        guard let kind = Kind(rawValue: type) else { throw ParlorProtocolError.unknownDatagramType(type) }
        guard try reader.bytes(3, "datagram reserved bytes") == [0, 0, 0] else { throw ParlorProtocolError.reservedBitsSet }
        let index = UInt32(try reader.littleEndian(4, "receiver index"))
        return (kind, index)
    }
}
