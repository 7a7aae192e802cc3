/// What the media side counted and measured, for status lines and tests.
public struct MediaStatistics: Sendable, Equatable {
    public var packetsSent = 0
    public var packetsReceived = 0
    /// Payloads that did not decode or decrypt (no key for their epoch, replayed, forged).
    public var packetsRejected = 0
    public var sendErrors = 0
    /// Frames not sent because the TCP fallback was backed up (a partition): late audio is
    /// dropped, not queued.
    public var droppedBehindTCP = 0
    /// The loss, in percent, Opus FEC is prepared for: what this client heard or its listeners
    /// reported, whichever is larger (0 on a clean line).
    public var fecExpectedLossPercent = 0
    /// Frames the jitter buffers found missing, and how many of those FEC rebuilt.
    public var lostFrames = 0
    public var recoveredFrames = 0
    /// The largest jitter-buffer target delay among the speakers heard.
    public var jitterDelayMilliseconds = 0.0
    /// Each speaker's level (dBFS RMS) in the last frame, and this client's microphone.
    public var levels: [MemberID: Float] = [:]
    public var micLevel: Float = -96

    public init() {}
}
