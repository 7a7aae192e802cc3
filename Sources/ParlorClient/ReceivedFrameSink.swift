import ParlorAudio

/// Where a listener's received Opus frames go as they arrive, before any decoding: each frame
/// that passed decryption and its speaker's signature check, the bytes the sender's encoder made.
/// Called from `ReceivedFrameOutput`'s writer thread, never from the media loop.
public protocol ReceivedFrameSink: AnyObject {
    /// `opus` is frame `counter` under SFrame key `keyID` from `speaker` (its member id's
    /// text), which arrived at `arrival` on the monotonic clock (nanoseconds).
    func received(speaker: String, keyID: UInt64, counter: UInt64, opus: UnsafeBufferPointer<UInt8>, arrival: Int64)
    /// Ends the recording at `now` (monotonic nanoseconds).
    func close(at now: Int64)
}

/// One Ogg Opus file per speaker, frames as received (`parlor listen --per-speaker DIR`).
public final class PerSpeakerOpusSink: ReceivedFrameSink {
    let recorder: ReceivedOpusRecorder

    /// Records into `folder` (which must exist), the timeline starting now.
    public init(folder: String) {
        recorder = ReceivedOpusRecorder(folder: folder, start: MonotonicAudioClock().now())
    }

    public func received(speaker: String, keyID: UInt64, counter: UInt64, opus: UnsafeBufferPointer<UInt8>, arrival: Int64) {
        try? recorder.record(speaker: speaker, keyID: keyID, counter: counter, opus: opus, arrival: arrival)
    }

    public func close(at now: Int64) { recorder.close(at: now) }
}
