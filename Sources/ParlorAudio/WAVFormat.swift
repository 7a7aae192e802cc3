/// The one WAV layout Parlor writes and reads: canonical RIFF/WAVE, PCM (format tag 1), 16-bit,
/// 48 kHz, mono unless said otherwise. A 44-byte header, then the samples little-endian.
public enum WAVFormat {
    /// Bytes before the samples in the files Parlor writes.
    public static let headerBytes = 44
    /// Offset of the RIFF chunk size ("file size − 8").
    static let riffSizeOffset = 4
    /// Offset of the `data` chunk size.
    static let dataSizeOffset = 40

    /// The header for `dataBytes` bytes of samples.
    public static func header(dataBytes: UInt32, sampleRate: UInt32 = UInt32(OpusSettings.sampleRate), channels: UInt16 = 1) -> [UInt8] {
        var h: [UInt8] = []
        h.reserveCapacity(headerBytes)
        h += Array("RIFF".utf8); h += le32(36 &+ dataBytes); h += Array("WAVE".utf8)
        h += Array("fmt ".utf8); h += le32(16); h += le16(1); h += le16(channels)
        h += le32(sampleRate); h += le32(sampleRate * UInt32(channels) * 2); h += le16(channels * 2); h += le16(16)
        h += Array("data".utf8); h += le32(dataBytes)
        return h
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }
}
