import ParlorAudio

/// Writes the mix to an Ogg Opus file (`OggOpusEncoderWriter`); closing drains the encoder.
public final class OggOpusFileSink: FrameSink {
    let writer: OggOpusEncoderWriter

    public init(path: String) throws { writer = try OggOpusEncoderWriter(path: path) }

    public func write(_ frame: UnsafeBufferPointer<Int16>) { try? writer.write(frame) }
    public func close() { writer.close() }
}
