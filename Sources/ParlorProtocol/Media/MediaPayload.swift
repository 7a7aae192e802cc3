/// What a media datagram encrypts: `sender_slot(2, BE) ‖ sframe_length(2, BE) ‖ SFrame ciphertext ‖ zeros`,
/// padded to the smallest bucket that fits. A CBR Opus stream keeps every frame in one bucket,
/// so all its datagrams have the same size. The relay reads the slot to route; it cannot read
/// the SFrame ciphertext.
public struct MediaPayload: Sendable, Equatable {
    /// Padded payload sizes.
    public static let buckets = [128, 256, 512, 1024]
    /// The largest payload: the largest bucket.
    public static let maximumLength = 1024
    static let prefixLength = 4
    /// Where the SFrame ciphertext starts in a payload.
    public static let sframeOffset = prefixLength
    /// The longest SFrame ciphertext a payload carries.
    public static let maximumSFrameLength = maximumLength - prefixLength

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
        guard sframe.count <= Self.maximumSFrameLength else {
            throw ParlorProtocolError.invalidLength(what: "SFrame ciphertext (maximum \(Self.maximumSFrameLength))", got: sframe.count)
        }
        var bytes = [UInt8](repeating: 0, count: Self.maximumLength)
        let length = try bytes.withUnsafeMutableBytes { out in
            Result { () throws(ParlorProtocolError) -> Int in
                out.baseAddress!.advanced(by: Self.sframeOffset).copyMemory(from: sframe, byteCount: sframe.count)
                return try Self.frame(senderSlot: senderSlot, sframeLength: sframe.count, in: out)
            }
        }.get()
        return Array(bytes.prefix(length))
    }

    /// The smallest bucket that holds `length` bytes; nil above the largest.
    public static func bucket(for length: Int) -> Int? {
        var bucket: Int?
        // By index: a debug build's array iterator allocates.
        for index in 0..<buckets.count where bucket == nil && buckets[index] >= length { bucket = buckets[index] }
        return bucket
    }

    /// Frames an SFrame ciphertext already written at `sframeOffset` of `buffer`: writes the
    /// slot and length before it and zeros after it up to the smallest bucket that fits and is
    /// at least `minimumLength` (a stream carrying redundant frames keeps one size that way, also
    /// when a packet has fewer copies); returns the payload's length. Allocates nothing: the
    /// sender's path.
    public static func frame(senderSlot: UInt16, sframeLength: Int, minimumLength: Int = 0,
                             in buffer: UnsafeMutableRawBufferPointer) throws(ParlorProtocolError) -> Int {
        let needed = prefixLength + sframeLength
        let bucket = Self.bucket(for: max(needed, minimumLength)) ?? 0
        guard bucket > 0, buffer.count >= bucket else {
            throw ParlorProtocolError.invalidLength(what: "SFrame ciphertext (maximum \(maximumSFrameLength))", got: sframeLength)
        }
        buffer.storeBytes(of: senderSlot.bigEndian, toByteOffset: 0, as: UInt16.self)
        buffer.storeBytes(of: UInt16(sframeLength).bigEndian, toByteOffset: 2, as: UInt16.self)
        UnsafeMutableRawBufferPointer(rebasing: buffer[needed..<bucket]).initializeMemory(as: UInt8.self, repeating: 0)
        return bucket
    }

    /// Parses padded bytes; the size must be a bucket and the padding zeros.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ParlorProtocolError) -> MediaPayload {
        let bytes = Array(bytes)
        let (slot, sframe) = try bytes.withUnsafeBytes { raw in
            Result { () throws(ParlorProtocolError) in try parse(raw) }
        }.get()
        return MediaPayload(senderSlot: slot, sframe: Array(bytes[sframe]))
    }

    /// Parses padded bytes where they lie (the size must be a bucket and the padding zeros);
    /// returns the sender slot and where the SFrame ciphertext is. Allocates nothing.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParlorProtocolError) -> (senderSlot: UInt16, sframe: Range<Int>) {
        var reader = BorrowedByteReader(bytes)
        var isBucket = false
        for index in 0..<buckets.count where buckets[index] == bytes.count { isBucket = true }
        guard isBucket else {
            throw ParlorProtocolError.invalidPadding("media payload of \(bytes.count) bytes is not a bucket size")
        }
        let slot = UInt16(try reader.bigEndian(2, "sender slot"))
        let length = Int(try reader.bigEndian(2, "SFrame length"))
        guard length <= reader.remaining else {
            throw ParlorProtocolError.invalidPadding("SFrame length \(length) exceeds the \(reader.remaining) bytes left")
        }
        let sframe = try reader.skip(length, "SFrame ciphertext")
        guard reader.restIsZero else { throw ParlorProtocolError.invalidPadding("media padding is not zeros") }
        return (slot, sframe)
    }
}
