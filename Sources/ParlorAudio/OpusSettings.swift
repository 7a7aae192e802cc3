/// How Parlor runs Opus (docs/ARCHITECTURE.md, "Audio"): 48 kHz mono `VOIP`, constant bit rate
/// (variable bit rate leaks words through packet sizes, RFC 6562), in-band FEC, no DTX.
public struct OpusSettings: Sendable, Equatable {
    /// Opus's native rate; Parlor never resamples.
    public static let sampleRate: Int32 = 48_000
    /// Mono: rooms are voice.
    public static let channels: Int32 = 1
    /// The bit rates Parlor allows, in bit/s.
    public static let bitrateRange: ClosedRange<Int32> = 16_000...64_000

    /// The frame duration in milliseconds: 20 (default) or 10.
    public var frameMilliseconds: Int
    /// The constant bit rate in bit/s.
    public var bitrate: Int32
    /// Whether the encoder adds in-band forward error correction.
    public var inbandFEC: Bool
    /// The loss the encoder plans its FEC for, in percent.
    public var expectedLossPercent: Int32
    /// Encoder complexity 0...10.
    public var complexity: Int32

    public init(frameMilliseconds: Int = 20, bitrate: Int32 = 32_000, inbandFEC: Bool = true,
                expectedLossPercent: Int32 = 10, complexity: Int32 = 10) {
        self.frameMilliseconds = frameMilliseconds
        self.bitrate = bitrate
        self.inbandFEC = inbandFEC
        self.expectedLossPercent = expectedLossPercent
        self.complexity = complexity
    }

    /// Samples in one frame: 960 at 20 ms, 480 at 10 ms.
    public var frameSamples: Int { Int(OpusSettings.sampleRate) / 1000 * frameMilliseconds }

    /// The largest packet a frame can become; CBR frames are `bitrate × duration / 8` bytes.
    public static let maxPacketBytes = 1275
}
