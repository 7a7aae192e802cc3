import ParlorClient

/// How `parlor listen` records: Ogg Opus or WAV, chosen by the file's extension for the mix
/// (`--out`) and by `--per-speaker-format` for the per-speaker folder.
public enum RecordingFormat: String, CaseIterable, Sendable {
    /// Ogg Opus: the mix encoded by libopusenc; each speaker's frames as received.
    case opus
    /// 48 kHz mono 16-bit WAV: the mix and each speaker decoded (`RoomRecorder`).
    case wav

    /// The format a mix file's name asks for: `.opus`, `.ogg` or `.oga` is Ogg Opus, `.wav` WAV.
    public static func of(mixFile path: String) throws -> RecordingFormat {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let suffix = name.split(separator: ".").count > 1 ? name.split(separator: ".").last!.lowercased() : ""
        switch suffix {
        case "opus", "ogg", "oga": return .opus
        case "wav": return .wav
        default: throw FaceError("--out \(path): name the file .opus (Ogg Opus) or .wav (WAV)")
        }
    }

    /// A sink writing the mix to `path` in this format.
    func mixSink(path: String) throws -> any FrameSink {
        switch self {
        case .opus: try OggOpusFileSink(path: path)
        case .wav: try WAVFileSink(path: path)
        }
    }
}
