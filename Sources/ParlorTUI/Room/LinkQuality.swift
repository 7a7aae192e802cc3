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
    /// Times audio was lost on this machine rather than on the network, since joining: the sound
    /// card's xruns, the audio thread's late wake-ups, payloads dropped because the media loop had
    /// stalled, frames dropped because a recording's disk had (`MediaStatistics`).
    public var audioGlitches: Int

    public init(roundTripMilliseconds: Double? = nil, lossPercent: Double = 0, jitterMilliseconds: Double = 0, udp: Bool = false,
                levels: [MemberID: Float] = [:], microphone: Float = LevelMeter.floor, audioGlitches: Int = 0) {
        self.roundTripMilliseconds = roundTripMilliseconds
        self.lossPercent = lossPercent
        self.jitterMilliseconds = jitterMilliseconds
        self.udp = udp
        self.levels = levels
        self.microphone = microphone
        self.audioGlitches = audioGlitches
    }

    /// The figures from a room client's statistics and the microphone meter; `lossPercent` comes
    /// from a `LossWindow` fed with the same statistics.
    public init(media: MediaStatistics, lossPercent: Double, roundTripMilliseconds: Double?, udp: Bool, microphone: Float) {
        self.init(roundTripMilliseconds: roundTripMilliseconds, lossPercent: lossPercent,
                  jitterMilliseconds: media.jitterDelayMilliseconds, udp: udp, levels: media.levels, microphone: microphone,
                  audioGlitches: media.audioXruns + media.audioLateWakeups + media.inboxOverflows + media.outputOverflows)
    }
}
