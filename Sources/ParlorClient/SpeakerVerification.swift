import ParlorCrypto
import ParlorProtocol

/// What a listener knows about whether one speaker KID's frames really come from the member the
/// roster puts in its slot (docs/PROTOCOL.md §6.4): its `FrameVerifier`, and how long its
/// frames have been arriving without a batch verifying.
final class SpeakerVerification {
    /// Frames arriving this long without a verified batch get the speaker reported (a relay
    /// dropping a frame in every batch keeps them all unverifiable).
    static let unverifiedReportNanoseconds: Int64 = 5_000_000_000
    /// A pause in arrivals longer than this starts the count of unverified time again.
    static let arrivalGapNanoseconds: Int64 = 1_000_000_000

    /// What one frame's arrival decided.
    struct Check {
        var resolutions: FrameVerifier.Resolutions
        /// Play the frame: no forged batch, or a later one verified since, and the frame's batch
        /// is still checked.
        var play: Bool
        /// A batch failed: a forgery to report (once until a batch verifies again; every failed
        /// batch is counted).
        var forged: Bool
        /// The speaker has now gone `unverifiedReportNanoseconds` without a verified batch
        /// (reported once until a batch verifies again).
        var unverified: Bool
    }

    let member: MemberID
    let verifier: FrameVerifier
    /// Since when frames have arrived without a verified batch.
    private var unverifiedSince: Int64
    private var lastArrival: Int64
    private var reportedUnverified = false
    private var reportedForged = false

    init(member: MemberID, keyID: UInt64, memberKey: [UInt8], arrival: Int64) throws {
        self.member = member
        verifier = try FrameVerifier(keyID: keyID, publicKey: memberKey)
        unverifiedSince = arrival
        lastArrival = arrival
    }

    /// Records a packet that SFrame authenticated (its plaintext is `chunk ‖ body`): its own
    /// frame and the copies of earlier frames its body carries (§6.2), each a version of the
    /// frame it stands for.
    func receive(counter: UInt64, chunk: UnsafeBufferPointer<UInt8>, body: UnsafeBufferPointer<UInt8>, parsed: MediaFrameBody,
                 arrival: Int64) -> Check {
        var resolutions = verifier.receive(counter: counter, chunk: chunk, opus: UnsafeBufferPointer(rebasing: body[parsed.primary]))
        var distance = 1
        while let copy = parsed.copy(distance: distance), counter >= UInt64(distance) {
            resolutions.add(verifier.receiveCopy(of: counter - UInt64(distance), opus: UnsafeBufferPointer(rebasing: body[copy])))
            distance += 1
        }
        if arrival &- lastArrival > Self.arrivalGapNanoseconds {
            unverifiedSince = arrival
            reportedUnverified = false
        }
        lastArrival = arrival
        var unverified = false
        if resolutions.verified > 0 {
            unverifiedSince = arrival
            reportedUnverified = false
            reportedForged = false
        } else if !reportedUnverified, arrival &- unverifiedSince >= Self.unverifiedReportNanoseconds {
            reportedUnverified = true
            unverified = true
        }
        let forged = resolutions.forged > 0 && !reportedForged
        if forged { reportedForged = true }
        return Check(resolutions: resolutions, play: verifier.isTrusted && verifier.covers(counter), forged: forged, unverified: unverified)
    }
}
