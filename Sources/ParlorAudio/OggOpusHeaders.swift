/// The two header packets every Ogg Opus stream begins with (RFC 7845 §5): the identification
/// header `OpusHead` alone on the first page, the comment header `OpusTags` on the next.
public enum OggOpusHeaders {
    /// RFC 7845 §5.1: the identification header's magic signature.
    static let headMagic = Array("OpusHead".utf8)
    /// RFC 7845 §5.2: the comment header's magic signature.
    static let tagsMagic = Array("OpusTags".utf8)
    /// RFC 7845 §5.1: the version this writer produces.
    static let version: UInt8 = 1
    /// RFC 7845 §5.1.1: channel mapping family 0, mono or stereo without a mapping table.
    static let mappingFamilyRTP: UInt8 = 0

    /// `OpusHead` for a mono 48 kHz stream whose decoder drops the first `preSkip` samples.
    public static func head(preSkip: UInt16) -> [UInt8] {
        var bytes = headMagic
        bytes.append(version)
        bytes.append(UInt8(OpusSettings.channels))
        bytes += littleEndian(preSkip)
        bytes += littleEndian(UInt32(OpusSettings.sampleRate))
        bytes += littleEndian(UInt16(0)) // output gain, Q7.8 dB
        bytes.append(mappingFamilyRTP)
        return bytes
    }

    /// `OpusTags` with `vendor` and `comments` (each `NAME=value`).
    public static func tags(vendor: String, comments: [String]) -> [UInt8] {
        var bytes = tagsMagic
        bytes += littleEndian(UInt32(vendor.utf8.count))
        bytes += Array(vendor.utf8)
        bytes += littleEndian(UInt32(comments.count))
        for comment in comments {
            bytes += littleEndian(UInt32(comment.utf8.count))
            bytes += Array(comment.utf8)
        }
        return bytes
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
