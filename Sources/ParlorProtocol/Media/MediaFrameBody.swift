/// What follows the auth chunk in an SFrame plaintext (docs/PROTOCOL.md §6.2): the frame of the
/// packet's own counter and, while the speaker's listeners lose packets, copies of the frames just
/// before it (redundancy in the manner of RFC 2198, as WebRTC sends audio):
///
///     body = count(1) ‖ length_1(2, BE) ‖ … ‖ length_count(2, BE)
///            ‖ frame(c − 1) ‖ … ‖ frame(c − count) ‖ frame(c)
///
/// where c is the packet's SFrame counter, `count` ≤ `maximumRedundancy`, every copy is 1 or more
/// bytes and the frame itself is the rest (1 or more bytes). A copy is the exact Opus packet the
/// speaker sent under counter c − d; it is inside SFrame and covered by the speaker's signature
/// over the whole body (§6.4), so it can only ever stand for frame c − d of the same KID.
public struct MediaFrameBody: Sendable, Equatable {
    /// The most copies a body carries.
    public static let maximumRedundancy = 2

    /// Where the packet's own frame lies in the body.
    public var primary: Range<Int>
    /// How many copies of earlier frames the body carries.
    public private(set) var redundancy: Int
    private var copy1: Range<Int>
    private var copy2: Range<Int>

    /// Bytes before the frames when the body carries `redundancy` copies.
    public static func headerLength(redundancy: Int) -> Int { 1 + 2 * redundancy }

    /// Where the copy of frame c − `distance` lies (1 ≤ distance ≤ `redundancy`); nil otherwise.
    public func copy(distance: Int) -> Range<Int>? {
        switch distance {
        case 1 where redundancy >= 1: copy1
        case 2 where redundancy >= 2: copy2
        default: nil
        }
    }

    /// Parses a body where it lies. Allocates nothing. Throws on a count above
    /// `maximumRedundancy`, an empty copy, copies that leave no byte for the frame itself, or a
    /// body that ends inside its header.
    public static func parse(_ body: UnsafeBufferPointer<UInt8>) throws(ParlorProtocolError) -> MediaFrameBody {
        var reader = BorrowedByteReader(UnsafeRawBufferPointer(body))
        let count = Int(try reader.byte("redundancy count"))
        guard count <= maximumRedundancy else {
            throw ParlorProtocolError.invalidLength(what: "redundant frames (maximum \(maximumRedundancy))", got: count)
        }
        var lengths = (0, 0)
        if count >= 1 { lengths.0 = Int(try reader.bigEndian(2, "redundant frame length")) }
        if count >= 2 { lengths.1 = Int(try reader.bigEndian(2, "redundant frame length")) }
        guard count < 1 || lengths.0 > 0, count < 2 || lengths.1 > 0 else {
            throw ParlorProtocolError.invalidLength(what: "redundant frame", got: 0)
        }
        guard lengths.0 + lengths.1 < reader.remaining else {
            throw ParlorProtocolError.invalidLength(what: "redundant frames (\(reader.remaining) bytes left, the frame needs 1)",
                                                    got: lengths.0 + lengths.1)
        }
        let copy1 = try reader.skip(lengths.0, "redundant frame")
        let copy2 = try reader.skip(lengths.1, "redundant frame")
        let primary = try reader.skip(reader.remaining, "frame")
        return MediaFrameBody(primary: primary, redundancy: count, copy1: copy1, copy2: copy2)
    }

    /// Parses a body in an array (tests and fuzzing).
    public static func parse(_ body: [UInt8]) throws(ParlorProtocolError) -> MediaFrameBody {
        try body.withUnsafeBufferPointer { pointer in
            Result { () throws(ParlorProtocolError) in try parse(pointer) }
        }.get()
    }

    /// A body made of `frame` and `copies` (copies[0] is frame c − 1), for tests and fuzzing; the
    /// media loop writes bodies in place with `RedundantFrameHistory`.
    public static func encode(frame: [UInt8], copies: [[UInt8]]) throws(ParlorProtocolError) -> [UInt8] {
        guard copies.count <= maximumRedundancy else {
            throw ParlorProtocolError.invalidLength(what: "redundant frames (maximum \(maximumRedundancy))", got: copies.count)
        }
        guard !frame.isEmpty, copies.allSatisfy({ !$0.isEmpty && $0.count <= Int(UInt16.max) }) else {
            throw ParlorProtocolError.invalidLength(what: "frame in a body", got: 0)
        }
        var bytes = [UInt8(copies.count)]
        for copy in copies { bytes += [UInt8(copy.count >> 8), UInt8(copy.count & 0xFF)] }
        for copy in copies { bytes += copy }
        return bytes + frame
    }
}
