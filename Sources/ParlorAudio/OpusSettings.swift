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
    /// The loss the encoder plans its FEC for when it starts, in percent. 0 (the default) sends
    /// no redundancy until loss is measured: `OpusEncoder.adapt(toMeasuredLoss:)` then follows it.
    public var expectedLossPercent: Int32
    /// Encoder complexity 0...10.
    public var complexity: Int32

    public init(frameMilliseconds: Int = 20, bitrate: Int32 = 32_000, inbandFEC: Bool = true,
                expectedLossPercent: Int32 = 0, complexity: Int32 = 10) {
        self.frameMilliseconds = frameMilliseconds
        self.bitrate = bitrate
        self.inbandFEC = inbandFEC
        self.expectedLossPercent = expectedLossPercent
        self.complexity = complexity
    }

    /// Samples in one frame: 960 at 20 ms, 480 at 10 ms.
    public var frameSamples: Int { Int(OpusSettings.sampleRate) / 1000 * frameMilliseconds }

    /// The longest period a sound device and the media loop run at for these frames: 10 ms, or
    /// the frame when it is shorter. Half a 20 ms frame, so that a listener starts each speaker's
    /// frame within 10 ms of its being due rather than within a frame (`MediaPipeline.period`).
    public static let periodMilliseconds = 10

    /// `periodMilliseconds` (or a shorter frame) in samples; it divides `frameSamples`.
    public var periodSamples: Int {
        guard frameMilliseconds > Self.periodMilliseconds, frameMilliseconds % Self.periodMilliseconds == 0 else { return frameSamples }
        return Int(OpusSettings.sampleRate) / 1000 * Self.periodMilliseconds
    }

    /// The loss `OpusEncoder.adapt(toMeasuredLoss:)` plans FEC for once any is measured, however much.
    ///
    /// libopus pays for FEC out of the same constant bit rate, and the loss it is told to expect
    /// also makes it predict less from the past. Told nothing (0) it sends no redundancy, which
    /// is right on a clean line. Switched on mid-stream, libopus 1.3 at 32 kbit/s only starts
    /// coding FEC when told more than 5 % (it then narrows the band to afford it): PESQ-WB on
    /// 8 s of speech, the setting moved from 0 after 2 s, against real random loss:
    /// clean: 0 → 3.92, 5 → 3.76, 6 → 3.20, 10 → 3.04;
    /// 5 % loss: 0 → 1.86, 5 → 2.11, 6 → 2.34, 10 → 2.26, 15 → 2.12;
    /// 15 % loss: 0 → 1.39, 5 → 1.56, 6 → 2.04, 10 → 1.98, 15 → 1.88.
    /// Planning for more than 6 costs every frame more than the redundancy gives back, even
    /// under more loss; in a room at 10 % loss and 30 ms jitter, 6 scored 2.40–2.58 and 10
    /// scored 2.08–2.17 (no FEC: 1.89–2.16).
    public static let lossyLineExpectedLoss: Int32 = 6

    /// The largest packet a frame can become; CBR frames are `bitrate × duration / 8` bytes.
    public static let maxPacketBytes = 1275
}
