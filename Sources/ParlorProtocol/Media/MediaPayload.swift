/// What a media datagram encrypts: `sender_slot(2, BE) ‖ sframe_length(2, BE) ‖ SFrame ciphertext ‖ zeros`,
/// padded to the smallest bucket that fits. A CBR Opus stream keeps every frame in one bucket,
/// so all its datagrams have the same size. The relay reads the slot to route; it cannot read
/// the SFrame ciphertext.
public struct MediaPayload: Sendable, Equatable {
    /// Padded payload sizes.
    public static let buckets = [128, 256, 512, 1024]
    static let prefixLength = 4

    /// The speaker's slot, assigned by the relay in `joined`; the relay checks it matches the
    /// sending session and forwards the payload unchanged.
    public var senderSlot: UInt16
    public var sframe: [UInt8]

    public init(senderSlot: UInt16, sframe: [UInt8]) {
        self.senderSlot = senderSlot
        self.sframe = sframe
    }

    /// The padded bytes.
    public func encoded() throws(ParlorProtocolError) -> [UInt8] {
        let needed = Self.prefixLength + sframe.count
        guard let bucket = Self.buckets.first(where: { $0 >= needed }) else {
            throw ParlorProtocolError.invalidLength(what: "SFrame ciphertext (maximum \(Self.buckets[Self.buckets.count - 1] - Self.prefixLength))",
                                                    got: sframe.count)
        }
        var writer = ByteWriter()
        writer.bigEndian(UInt64(senderSlot), width: 2)
        writer.bigEndian(UInt64(sframe.count), width: 2)
        writer.append(sframe)
        writer.append([UInt8](repeating: 0, count: bucket - needed))
        return writer.bytes
    }

    /// Parses padded bytes; the size must be a bucket and the padding zeros.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ParlorProtocolError) -> MediaPayload {
        var reader = ByteReader(bytes)
        guard buckets.contains(reader.remaining) else {
            throw ParlorProtocolError.invalidPadding("media payload of \(reader.remaining) bytes is not a bucket size")
        }
        let slot = UInt16(try reader.bigEndian(2, "sender slot"))
        let length = Int(try reader.bigEndian(2, "SFrame length"))
        guard length <= reader.remaining else {
            throw ParlorProtocolError.invalidPadding("SFrame length \(length) exceeds the \(reader.remaining) bytes left")
        }
        let sframe = try reader.bytes(length, "SFrame ciphertext")
        guard reader.rest().allSatisfy({ $0 == 0 }) else { throw ParlorProtocolError.invalidPadding("media padding is not zeros") }
        return MediaPayload(senderSlot: slot, sframe: sframe)
    }
}
