import COggOpus

/// Encodes 48 kHz mono 16-bit samples into an Ogg Opus file with libopusenc: how the room's mix
/// is recorded as Ogg Opus (`parlor listen --out FILE.opus`).
///
/// The mix is coded for speech in wideband (up to 8 kHz) at `defaultBitrate`, variable bit rate
/// (a file, unlike the wire, leaks nothing by its packet sizes): re-encoding the decoded room
/// costs little there — PESQ-WB of espeak speech decoded through Parlor's 32 kbit/s CBR and then
/// this: 4.01 → 3.97 at 48 kbit/s (3.72 at 40 kbit/s full band); in a room 0.019–0.023 below the
/// WAV mix at 48 kbit/s, 0.040–0.063 at 44 — and an hour stays under 20 MB (15.6 MB of a room,
/// 18.2 MB of continuous speech). libopusenc writes a page at least every `muxingDelay` samples, so a
/// process that dies loses at most that much; `close()` drains the encoder and ends the stream.
public final class OggOpusEncoderWriter {
    /// The target bit rate of the mix, bit/s.
    public static let defaultBitrate: Int32 = 48_000
    /// The longest audio libopusenc holds before writing a page: one second.
    public static let muxingDelay: Int32 = OpusSettings.sampleRate

    public let path: String
    /// Samples given so far.
    public private(set) var samplesWritten = 0
    private var encoder: OpaquePointer?

    /// Creates (or truncates) `path`; the headers are written with the first page.
    public init(path: String, bitrate: Int32 = defaultBitrate) throws {
        self.path = path
        let comments = ope_comments_create()
        defer { ope_comments_destroy(comments) }
        _ = ope_comments_add(comments, "ENCODER", "Parlor (room mix)")
        var error: Int32 = 0
        guard let created = ope_encoder_create_file(path, comments, OpusSettings.sampleRate, OpusSettings.channels, 0, &error) else {
            throw OggOpusError.cannotOpen(path: path, reason: String(cString: ope_strerror(error)))
        }
        encoder = created
        for (what, status) in [("bit rate", cope_set_bitrate(created, bitrate)), ("variable bit rate", cope_set_vbr(created, 1)),
                               ("wideband", cope_set_max_bandwidth_wideband(created)), ("voice", cope_set_signal_voice(created)),
                               ("muxing delay", cope_set_muxing_delay(created, Self.muxingDelay))] where status != OPE_OK {
            close()
            throw OggOpusError.encoder(path: path, reason: "\(what): \(String(cString: ope_strerror(status)))")
        }
    }

    deinit { close() }

    /// Appends samples.
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        guard let encoder else { throw OggOpusError.encoder(path: path, reason: "closed") }
        let status = ope_encoder_write(encoder, samples.baseAddress, Int32(samples.count))
        guard status == OPE_OK else { throw OggOpusError.encoder(path: path, reason: String(cString: ope_strerror(status))) }
        samplesWritten += samples.count
    }

    /// Drains the encoder, writes the last page and closes the file. Safe to call twice.
    public func close() {
        guard let encoder else { return }
        _ = ope_encoder_drain(encoder)
        ope_encoder_destroy(encoder)
        self.encoder = nil
    }
}
