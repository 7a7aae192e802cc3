import COpus

/// Records each speaker's Opus frames as they were received — the very bytes the sender's
/// encoder made, after decryption and the signature check, never decoded — into one Ogg Opus
/// file per speaker (`speaker-<n>-<name>.opus`), all on the room's timeline.
///
/// Where a speaker was quiet (or a frame was lost) the file carries one-byte packets that hold
/// only the TOC byte of the speaker's last frame: what Opus's own DTX sends, which every decoder
/// (opusdec included) plays as concealment fading to silence. So each track has the length of
/// the recording and its speech sits where it was heard (`SpeakerTimeline`). The timeline starts
/// when the recorder is made; `close(at:)` pads every track to that moment. Not for the
/// real-time thread: it writes files.
public final class ReceivedOpusRecorder {
    /// The decoder delay every file declares (RFC 7845 pre-skip): libopus's encoder lookahead
    /// at 48 kHz (2.5 ms + 4 ms), which every Parlor sender has.
    public static let preSkip: UInt16 = 312
    /// RFC 6716 §3.1: the TOC byte's frame-count code, its two low bits; code 0 is one frame.
    static let frameCountCodeMask: UInt8 = 0b11

    public let folder: String
    /// When the timeline starts, on the monotonic clock (nanoseconds).
    public let start: Int64
    /// The file each speaker was given, by the name they were recorded under.
    public private(set) var speakerFiles: [String: String] = [:]
    /// Packets not recorded: late or reordered (their place was written already) or not Opus.
    public private(set) var packetsDropped = 0

    private struct Track {
        let writer: OggOpusPacketWriter
        var timeline = SpeakerTimeline()
        /// The TOC-only packet this track's silence is made of, and how long it lasts.
        var filler: (packet: [UInt8], samples: Int)
    }

    private var tracks: [String: Track] = [:]
    private var nextSerial: Int32

    /// Records into `folder` (which must exist), with the timeline starting at `start`.
    public init(folder: String, start: Int64) {
        self.folder = folder
        self.start = start
        nextSerial = Int32(truncatingIfNeeded: start)
    }

    deinit { for track in tracks.values { track.writer.close() } }

    /// Records `opus`, frame `counter` under `keyID` from `speaker`, which arrived at `arrival`
    /// (monotonic nanoseconds).
    public func record(speaker: String, keyID: UInt64, counter: UInt64, opus: UnsafeBufferPointer<UInt8>, arrival: Int64) throws {
        let samples = Self.samples(in: opus)
        guard samples > 0, let toc = opus.first else {
            packetsDropped += 1
            return
        }
        var track = try tracks[speaker] ?? newTrack(for: speaker)
        let filler = [toc & ~Self.frameCountCodeMask]
        track.filler = (filler, Self.samples(in: filler))
        defer { tracks[speaker] = track }
        guard let at = track.timeline.start(keyID: keyID, counter: counter, samples: samples, arrivalSample: sample(at: arrival)) else {
            packetsDropped += 1
            return
        }
        try fill(&track, to: at)
        try track.writer.write(opus, samples: samples)
        track.timeline.advance(by: samples)
    }

    /// Pads every track with silence to `now` (monotonic nanoseconds) and closes the files.
    public func close(at now: Int64) {
        for var track in tracks.values {
            try? fill(&track, to: sample(at: now))
            track.writer.close()
        }
    }

    private func newTrack(for speaker: String) throws -> Track {
        let name = RoomRecorder.fileName(forSpeaker: speaker, index: tracks.count + 1, extension: "opus")
        nextSerial &+= 1
        let writer = try OggOpusPacketWriter(path: folder + "/" + name, preSkip: Self.preSkip, vendor: "Parlor",
                                             comments: ["ENCODER=Parlor (frames as received, not re-encoded)"], serial: nextSerial)
        speakerFiles[speaker] = name
        return Track(writer: writer, filler: ([], 0))
    }

    private func fill(_ track: inout Track, to sample: Int64) throws {
        guard track.filler.samples > 0 else { return }
        while sample - track.timeline.end >= Int64(track.filler.samples) {
            try track.writer.write(track.filler.packet, samples: track.filler.samples)
            track.timeline.advance(by: track.filler.samples)
        }
    }

    private func sample(at time: Int64) -> Int64 {
        max(time - start, 0) / 1_000 * Int64(OpusSettings.sampleRate) / 1_000_000
    }

    /// The samples at 48 kHz a packet decodes to; 0 if it is not a valid Opus packet.
    static func samples(in packet: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = packet.baseAddress, !packet.isEmpty else { return 0 }
        return max(Int(opus_packet_get_nb_samples(base, Int32(packet.count), OpusSettings.sampleRate)), 0)
    }

    static func samples(in packet: [UInt8]) -> Int {
        packet.withUnsafeBufferPointer { samples(in: $0) }
    }
}
