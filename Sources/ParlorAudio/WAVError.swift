/// A WAV file could not be written or read; the message says which file and why.
public enum WAVError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotOpen(path: String, errno: Int32)
    case writeFailed(path: String, errno: Int32)
    case notWAV(path: String)
    case unsupported(path: String, detail: String)
    case noData(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code): "cannot open \(path): \(WAVError.text(code))"
        case .writeFailed(let path, let code): "cannot write \(path): \(WAVError.text(code))"
        case .notWAV(let path): "\(path) is not a RIFF/WAVE file"
        case .unsupported(let path, let detail): "\(path): unsupported WAV (\(detail)); Parlor reads 16-bit PCM"
        case .noData(let path): "\(path) has no data chunk"
        }
    }

    static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}

import Glibc
