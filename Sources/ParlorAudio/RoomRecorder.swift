/// Records a room to WAV files in one folder: the mix, as the listener heard it, and each
/// speaker on their own (after decryption and decoding, before their gain), all on one timeline,
/// so that the files line up sample for sample in any editor.
///
/// Each tick the caller hands over every speaker's frame that was rendered and then the mix;
/// `recordMix` moves the timeline on by a frame. A speaker heard for the first time, or again
/// after a pause, is padded with silence up to now, and `close()` pads every file to the mix's
/// length. Every file is a `WAVWriter`, so it stays valid if the process is interrupted
/// (SIGINT/SIGTERM finalise the headers). File I/O is not for the real-time thread: record from
/// the thread that mixes.
public final class RoomRecorder {
    /// The mix's file name in `folder`.
    public static let mixFileName = "mix.wav"

    public let folder: String
    public let frameSamples: Int
    /// Frames of mix recorded so far: where the timeline stands.
    public private(set) var framesRecorded = 0
    /// The file each speaker was given, by the name they were recorded under.
    public private(set) var speakerFiles: [String: String] = [:]

    private let mix: WAVWriter
    private var speakers: [String: WAVWriter] = [:]
    private let silence: [Int16]

    /// Starts recording into `folder` (which must exist): `mix.wav` at once, speakers' files as
    /// they are first heard.
    public init(folder: String, frameSamples: Int) throws {
        self.folder = folder
        self.frameSamples = frameSamples
        silence = [Int16](repeating: 0, count: frameSamples)
        mix = try WAVWriter(path: folder + "/" + RoomRecorder.mixFileName)
    }

    deinit { close() }

    /// Records `frame` as what `speaker` said during the frame now being recorded; call it
    /// before `recordMix` for that frame.
    public func record(speaker: String, _ frame: UnsafeBufferPointer<Int16>) throws {
        let writer: WAVWriter
        if let existing = speakers[speaker] {
            writer = existing
        } else {
            let name = RoomRecorder.fileName(forSpeaker: speaker, index: speakers.count + 1)
            writer = try WAVWriter(path: folder + "/" + name)
            speakers[speaker] = writer
            speakerFiles[speaker] = name
        }
        try pad(writer, toFrames: framesRecorded)
        try writer.write(frame)
    }

    /// Records the mix for this frame and moves the timeline on.
    public func recordMix(_ frame: UnsafeBufferPointer<Int16>) throws {
        try mix.write(frame)
        framesRecorded += 1
    }

    /// Pads every speaker's file to the mix's length and finalises every header.
    public func close() {
        for writer in speakers.values {
            try? pad(writer, toFrames: framesRecorded)
            writer.close()
        }
        mix.close()
    }

    /// A file name for a speaker that is safe whatever the name holds: `speaker-<n>-<name>.wav`
    /// (or another `extension`),
    /// with anything but ASCII letters, digits, `-` and `_` replaced by `_`, and the name cut to
    /// `maximumNameLength` characters. `index` keeps names that clean up alike apart.
    public static func fileName(forSpeaker speaker: String, index: Int, extension: String = "wav") -> String {
        let cleaned = String(speaker.unicodeScalars.prefix(maximumNameLength).map { scalar -> Character in
            let safe = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
            return safe ? Character(scalar) : "_"
        })
        return "speaker-\(index)-\(cleaned).\(`extension`)"
    }

    /// The longest part of a speaker's name kept in a file name.
    public static let maximumNameLength = 48

    private func pad(_ writer: WAVWriter, toFrames frames: Int) throws {
        var missing = frames * frameSamples - writer.samplesWritten
        while missing > 0 {
            let n = min(missing, frameSamples)
            try silence.withUnsafeBufferPointer { try writer.write(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            missing -= n
        }
    }
}
