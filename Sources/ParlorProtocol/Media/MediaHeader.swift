/// The 16-byte header of every media datagram, WireGuard style:
/// `type(1) reserved(3) = 0 ‖ receiver_index(4, LE) ‖ counter(8, LE)`.
/// It is the associated data of the datagram's ChaCha20-Poly1305 encryption.
public struct MediaHeader: Sendable, Equatable {
    public static let length = 16

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
        var writer = ByteWriter()
        writer.append([kind.rawValue, 0, 0, 0])
        writer.littleEndian(UInt64(receiverIndex), width: 4)
        writer.littleEndian(counter, width: 8)
        return writer.bytes
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
