import Glibc

/// Reads 16-bit PCM WAV files: the header's format, then the samples of the `data` chunk.
/// Chunks other than `fmt ` and `data` are skipped. A `data` size larger than the file (a
/// recording cut short before its header was finalised) is read up to the end of the file.
public struct WAVReader: Sendable {
    public let sampleRate: Int
    public let channels: Int
    /// The samples, interleaved when there is more than one channel.
    public let samples: [Int16]

    /// Reads the file at `path`.
    public init(path: String) throws {
        guard let file = fopen(path, "rb") else { throw WAVError.cannotOpen(path: path, errno: errno) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Parses a whole file's bytes; `path` only names it in errors.
    public init(bytes: [UInt8], path: String = "WAV data") throws {
        guard bytes.count >= 12, Array(bytes[0..<4]) == Array("RIFF".utf8), Array(bytes[8..<12]) == Array("WAVE".utf8) else {
            throw WAVError.notWAV(path: path)
        }
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = WAVReader.le32(bytes, offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else { throw WAVError.unsupported(path: path, detail: "short fmt chunk") }
                format = (WAVReader.le16(bytes, body), WAVReader.le16(bytes, body + 2), WAVReader.le32(bytes, body + 4),
                          WAVReader.le16(bytes, body + 14))
            } else if id == "data" {
                guard let format else { throw WAVError.unsupported(path: path, detail: "data before fmt") }
                guard format.tag == 1 || format.tag == 0xFFFE, format.bits == 16, format.channels >= 1 else {
                    throw WAVError.unsupported(path: path, detail: "format \(format.tag), \(format.bits) bits")
                }
                let end = min(body + size, bytes.count)
                sampleRate = format.rate
                channels = format.channels
                samples = stride(from: body, to: end - 1, by: 2).map {
                    Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
                }
                return
            }
            offset = body + size + (size & 1)
        }
        throw WAVError.noData(path: path)
    }

    static func le16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> Int { le16(b, i) | le16(b, i + 2) << 16 }
}
