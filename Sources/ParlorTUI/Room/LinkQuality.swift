import ParlorAudio
import ParlorClient

/// The network and audio figures the status line shows, sampled a few times a second.
public struct LinkQuality: Sendable, Equatable {
    /// The last ping's round trip; nil before the first pong.
    public var roundTripMilliseconds: Double?
    /// Frames the jitter buffers found missing in the last few seconds, as a share of all frames expected.
    public var lossPercent: Double
    /// The largest jitter-buffer delay among the speakers heard.
    public var jitterMilliseconds: Double
    /// Whether media flows over UDP (false: carried over the TCP control connection).
    public var udp: Bool
    /// Each speaker's level in dBFS (RMS of the last frame, after decryption).
    public var levels: [MemberID: Float]
    /// This client's microphone level in dBFS (`LevelMeter.floor` for silence).
    public var microphone: Float

    public init(roundTripMilliseconds: Double? = nil, lossPercent: Double = 0, jitterMilliseconds: Double = 0, udp: Bool = false,
                levels: [MemberID: Float] = [:], microphone: Float = LevelMeter.floor) {
        self.roundTripMilliseconds = roundTripMilliseconds
        self.lossPercent = lossPercent
        self.jitterMilliseconds = jitterMilliseconds
        self.udp = udp
        self.levels = levels
        self.microphone = microphone
    }

    /// The figures from a room client's statistics and the microphone meter; `lossPercent` comes
    /// from a `LossWindow` fed with the same statistics.
    public init(media: MediaStatistics, lossPercent: Double, roundTripMilliseconds: Double?, udp: Bool, microphone: Float) {
        self.init(roundTripMilliseconds: roundTripMilliseconds, lossPercent: lossPercent,
                  jitterMilliseconds: media.jitterDelayMilliseconds, udp: udp, levels: media.levels, microphone: microphone)
    }
}
