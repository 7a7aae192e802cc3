/// Where one speaker's received Opus packets go on the room's timeline (48 kHz samples from the
/// start of the recording), so that every speaker's track lines up with the others although
/// only packets, not the gaps between them, arrive.
///
/// A packet's SFrame counter goes up by one per frame its sender sends, and stands still while
/// the sender sends nothing (muted, off the stage). So a packet is placed right after the
/// previous one plus the frames its counter says were lost, as long as that stays within
/// `resumeSlack` of when it arrived (network jitter moves nothing); further off, the sender
/// paused (or its clock drifted, or a new key restarted its counters) and it is placed where it
/// arrived. A packet whose counter is not above the last one (late, reordered) is dropped:
/// what was written cannot move.
public struct SpeakerTimeline: Sendable {
    /// How far a packet's place by counter may be from its arrival before arrival wins: 500 ms.
    public static let resumeSlack: Int64 = Int64(OpusSettings.sampleRate) / 2

    /// The samples of the timeline this track covers so far.
    public private(set) var end: Int64 = 0
    private var last: (keyID: UInt64, counter: UInt64, samples: Int)?

    public init() {}

    /// Where the packet `counter` under `keyID`, of `samples` samples, which arrived at
    /// `arrivalSample` on the timeline, should start; nil: drop it. The caller fills the track
    /// with silence up to there, writes the packet, and calls `advance` for both.
    public mutating func start(keyID: UInt64, counter: UInt64, samples: Int, arrivalSample: Int64) -> Int64? {
        defer { if last.map({ $0.keyID != keyID || counter > $0.counter }) ?? true { last = (keyID, counter, samples) } }
        guard let last else { return max(arrivalSample, end) }
        guard last.keyID == keyID else { return max(arrivalSample, end) }
        guard counter > last.counter else { return nil }
        let lost = counter - last.counter - 1
        guard lost < UInt64(Int32.max) else { return max(arrivalSample, end) }
        let byCounter = end + Int64(lost) * Int64(last.samples)
        return abs(arrivalSample - byCounter) <= Self.resumeSlack ? byCounter : max(arrivalSample, end)
    }

    /// The track now covers `samples` more of the timeline.
    public mutating func advance(by samples: Int) {
        end += Int64(samples)
    }
}
