/// What can go wrong writing an Ogg Opus file.
public enum OggOpusError: Error, CustomStringConvertible {
    /// The file could not be created.
    case cannotOpen(path: String, reason: String)
    /// A write to the file failed.
    case writeFailed(path: String, errno: Int32)
    /// libopusenc refused a request or a frame.
    case encoder(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot create \(path): \(reason)"
        case .writeFailed(let path, let errno): "cannot write \(path): errno \(errno)"
        case .encoder(let path, let reason): "cannot encode \(path): \(reason)"
        }
    }
}
