import Foundation
import Glibc
import ParlorAudio

/// Real speech for tests, made at test time (nothing is committed): espeak-ng speaks a text,
/// sox resamples it to 48 kHz mono 16-bit. The files are cached per process under /tmp.
public enum SpeechFixture {
    /// A few sentences of varied phonemes, about 8 seconds spoken.
    public static let defaultText = """
        The quick brown fox jumps over the lazy dog. Parlor rooms are private by design. \
        She sells sea shells by the sea shore, while six thick thistle sticks stand still.
        """

    /// A 48 kHz mono S16 WAV file of `text` spoken, made once and then reused.
    public static func wav(text: String = defaultText, voice: String = "en-us") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parlor-speech-fixtures")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // FNV-1a: a name stable across processes (Swift's hashValue is seeded per process).
        let key = String((voice + "\u{0}" + text).utf8.reduce(UInt64(0xcbf29ce484222325)) { ($0 ^ UInt64($1)) &* 0x100000001b3 }, radix: 16)
        let wav = folder.appendingPathComponent("speech-\(voice)-\(key).wav")
        if FileManager.default.fileExists(atPath: wav.path) { return wav }
        let raw = folder.appendingPathComponent("espeak-\(UUID().uuidString).wav")
        let tmp = folder.appendingPathComponent("sox-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: raw) }
        try Command.run(["espeak-ng", "-v", voice, "-s", "150", "-w", raw.path, text])
        try Command.run(["sox", raw.path, "-r", "48000", "-c", "1", "-b", "16", "-e", "signed-integer", tmp.path])
        // Two suites may make the same speech at once (parallel runs, several test processes): each
        // writes its own temporary file and renames it into place, which replaces atomically, so
        // a reader sees either no file or a whole one and neither writer fails.
        guard rename(tmp.path, wav.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw Command.SpawnFailure(command: ["rename", tmp.path, wav.path], code: code)
        }
        return wav
    }

    /// The same speech as raw S16LE samples (what the ALSA `file` plugin reads).
    public static func samples(text: String = defaultText) throws -> [Int16] {
        try WAVReader(path: try wav(text: text).path).samples
    }
}
