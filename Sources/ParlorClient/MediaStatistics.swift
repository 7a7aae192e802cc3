/// What the media side counted and measured, for status lines and tests.
public struct MediaStatistics: Sendable, Equatable {
    public var packetsSent = 0
    public var packetsReceived = 0
    /// Payloads that did not decode or decrypt (no key for their epoch, replayed, forged).
    public var packetsRejected = 0
    /// Of those: payloads whose SFrame KID names another slot than the one the relay stamped.
    public var slotMismatches = 0
    /// Of those: SFrame counters at or above 2^62, which no sender reaches.
    public var countersOutOfRange = 0
    /// Batches of 8 frames whose speaker signature verified (docs/PROTOCOL.md §6.4).
    public var batchesVerified = 0
    /// Batches that could not be checked because a frame (and its copies) or both copies of a
    /// piece of the signature were lost.
    public var batchesUnverifiable = 0
    /// Batches whose pieces all came and whose signature does not verify, or with two versions
    /// of a frame that differ: forged audio.
    public var batchesForged = 0
    /// Authenticated frames not played because a batch of their KID was found forged and no
    /// later one has verified since.
    public var framesWithheld = 0
    /// Times a speaker was reported for 5 s of frames without a verified batch.
    public var unverifiedReports = 0
    public var sendErrors = 0
    /// Periods the loop played as silence because their length does not divide an Opus frame
    /// (an engine set up for another frame size).
    public var misshapenPeriods = 0
    /// Frames not sent because the TCP fallback was backed up (a partition): late audio is
    /// dropped, not queued. Counted by the media loop as the uplink refuses them.
    public var droppedBehindTCP = 0
    /// Payloads dropped on their way into the media loop because it had stalled (its inbox was
    /// full), and frames dropped on their way to files because the disk had (`MediaOutputs`).
    public var inboxOverflows = 0
    public var outputOverflows = 0
    /// The audio thread's device trouble: xruns recovered (a capture overrun or a playback
    /// underrun each), and periods the machine did not run it in time (filled in by `RoomClient`
    /// from its `AudioEngine`).
    public var audioXruns = 0
    public var audioLateWakeups = 0
    /// The loss, in percent, Opus FEC is prepared for: what this client heard or its listeners
    /// reported, whichever is larger (0 on a clean line).
    public var fecExpectedLossPercent = 0
    /// Copies of earlier frames each packet this client sends carries (0 on a clean line).
    public var redundantFrames = 0
    /// Frames the jitter buffers found missing when due, how many of those FEC really rebuilt
    /// (the next packet held FEC data), and how many played from a redundant copy.
    public var lostFrames = 0
    public var recoveredFrames = 0
    public var redundancyRecoveredFrames = 0
    /// Payloads whose frame body (docs/PROTOCOL.md §6.2) was malformed after SFrame opened them.
    public var malformedBodies = 0
    /// Frames the jitter buffers waited out for a late packet (stretching the delay) and
    /// dropped to shrink it.
    public var stretchedFrames = 0
    public var shrunkFrames = 0
    /// The largest jitter-buffer target delay among the speakers heard.
    public var jitterDelayMilliseconds = 0.0
    /// Each speaker's level (dBFS RMS) in the last frame.
    public var levels: [MemberID: Float] = [:]

    public init() {}
}
