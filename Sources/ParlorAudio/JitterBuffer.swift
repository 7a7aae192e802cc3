/// One speaker's adaptive jitter buffer. Pure: packets go in with their sequence number and
/// arrival time, and once a frame period (a "tick") it says what to play: decode a packet,
/// rebuild a lost frame from the next packet's FEC, conceal (PLC), or stay silent. It neither
/// decodes nor reads a clock; `SpeakerStream` does both.
///
/// **Delay model.** For each packet the transit offset is `arrival − sequence × frame`. The
/// smallest offset in a recent window is the network's base delay; a packet's *lateness* is its
/// offset above that base. The playout delay of a tick is how far behind the fastest packet it
/// plays: `now − playing × frame − base`. A packet is on time when the playout delay is at least
/// its lateness, so the target delay is a high percentile (95th) of recent lateness plus a
/// headroom, in the spirit of WebRTC NetEQ's inter-arrival histogram: one frame while packets
/// are being lost (so that when one is lost the next, which carries its FEC, is usually there)
/// or lateness exceeds half a frame (a jittery line, whose late packets come in bursts), and
/// `cleanHeadroom` (4 ms) on a steady line that lost nothing and brought no redundant copies
/// in the window, where a frame of waiting would only add latency (loopback: mouth-to-playback
/// 39 ms instead of 61). It is clamped to [4, 200] ms and is at least `startDelay` (40 ms) at
/// the start of a stream until the window has half a second of packets. Playout moves by whole
/// frames, so the delay sits between the target and a frame above it.
/// The start is measured from the fastest of the first few packets, which is usually some way
/// above the network's real base, so a stream really starts 40–70 ms behind: a nominal 60 ms
/// meant 75–90 ms and two dropped frames to settle, which cost 0.3 PESQ on a clean line.
///
/// **Growing** is fast and lazy: when the packet due is missing while the delay is below target
/// the buffer conceals one frame without advancing (it stretches), so the delay rises by a frame
/// a tick exactly when packets are late, within a few hundred milliseconds of a jitter rise.
/// On a line that loses packets (or brings redundant copies) a missing packet is mostly lost,
/// not late: in speech the buffer then waits only while the delay is below the lateness
/// percentile plus a frame, when the packet, or the next one with its copy, may still come in
/// time; past that the frame is given up (FEC or concealment, as at or above target), and the
/// rest of the headroom two copies want is added in the next pause. Waiting for every missing
/// packet below target stretched a stream at 20 % loss inside words whenever the target crept a
/// millisecond above the delay, for frames whose copies were lost too (`LossRedundancyTests`
/// under load, uplink: PESQ-WB 2.96 after two such stretches, 3.42 without).
/// In a pause it also stretches before that, as soon as the delay is below target with the
/// packet there: a speaker whose sound card runs slow against the listener's (±300 ppm is 0.3 ms
/// a second) drains the buffer slowly, and the frame is added where nobody hears it. A fast one
/// fills it, and the pauses' drops take that back (`JitterBufferDriftTests`).
///
/// **Shrinking** happens in speech as well as in silence: when the delay exceeds the target by
/// more than a frame while the speaker has been quiet for `pauseTicks` (300 ms; the caller says
/// so, from the level of what it last played) and the frame to drop is quiet too (the caller decodes it to check, see
/// `next(now:quiet:mayDropInPause:)`), or by more than two frames during speech, one whole frame
/// is dropped: every `quietShrinkSpacing` ticks in pauses, every `speechShrinkSpacing` ticks in
/// speech, and every tick while the delay is above the ceiling; only the ceiling while the
/// window is still warming up. Dropping a frame is the
/// time-stretching that needs no signal processing; dropping in pauses is inaudible, and a drop
/// inside speech is a 20 ms skip, so those are kept rare (PESQ on real speech fell from 3.7 to 2.5
/// when frames were dropped every 200 ms regardless of level, and from 3.7 to 3.3 with two drops
/// at a stream's start, one of them the first frame of a word).
/// The dropped packet is still handed out (`dropped`) so the decoder decodes it and its state
/// stays continuous. The window is about two seconds, so after jitter falls the target follows
/// within two seconds and the delay within a few more.
///
/// **Edges.** A stream starts with a fade-in and, when packets stop for `endFrames` ticks, ends
/// with one faded concealment and then silence; the next packet starts a new stream with a fresh
/// window (a sender's clock may have moved on while it was muted).
///
/// **Redundant copies.** A packet may carry copies of the frames just before it (docs/PROTOCOL.md
/// §6.2); `insertRedundant` keeps such a copy in the slot of the frame it stands for when that
/// frame is neither held nor already played, so a frame whose own packet was lost is decoded from
/// its copy before FEC or concealment are considered. A copy teaches the delay estimate nothing
/// (it says when the next packet came, not its own); the frame it stands for counts as lost
/// (`lost`, so that loss reports still show the line's loss) and as `recoveredByRedundancy` when
/// it is played. Its own packet coming after all replaces it: it was late, not lost. While
/// copies reach back d frames (two copies: d = 2), the headroom under loss is d frames instead of
/// one, so that when a frame is lost the packet d frames on, which carries its copy, is there
/// in time; the reach falls back to one frame when no copy that deep came for a window. Copies
/// buy that headroom as soon as they come, before this buffer has lost anything: a speaker sends
/// them only when its line or its listeners lose packets, and a buffer that waited for its own
/// first loss had settled 4 ms behind on a line that had not lost yet, so that loss found no copy
/// in time and stretched the stream by one or two frames (`LossRedundancyTests`: on the
/// listener's downlink the first loss came 1.5 s into the stream, after the warm-up's shrinking).
///
/// Allocates nothing after `init`: packets are copied into fixed slots.
public final class JitterBuffer {
    /// How the buffer is tuned. Times are nanoseconds; counts of packets and ticks are given
    /// for 20 ms frames and scale with the frame duration, so 10 ms frames keep the same times.
    public struct Configuration: Sendable, Equatable {
        public var frameNanoseconds: Int64 = 20_000_000
        public var startDelay: Int64 = 40_000_000
        public var minimumDelay: Int64 = 4_000_000
        /// Headroom above the lateness percentile while nothing is lost and no copies come (with
        /// loss: a frame; with copies: as many frames as they reach back).
        public var cleanHeadroom: Int64 = 4_000_000
        public var maximumDelay: Int64 = 200_000_000
        /// Packets of lateness history the target is computed from (2 s).
        public var window = 100
        /// The percentile of lateness the target covers.
        public var percentile = 0.95
        /// Packets needed before the estimate replaces `startDelay` as a floor (0.5 s).
        public var warmUpPackets = 25
        /// Ticks between two dropped frames while shrinking in a pause (40 ms).
        public var quietShrinkSpacing = 2
        /// Quiet ticks in a row before the delay is corrected in a pause (300 ms): a gap between
        /// words is left alone, a pause between sentences is used (PESQ-WB falls by 0.2–0.4
        /// when a frame goes inside an utterance, even in a 100 ms gap).
        public var pauseTicks = 15
        /// Ticks between two dropped frames while shrinking during speech (400 ms).
        public var speechShrinkSpacing = 20
        /// Ticks without packets after which the stream ends (200 ms: longer than any delay it waits out).
        public var endFrames = 10
        /// Packets the buffer holds; more than `maximumDelay` plus reordering (640 ms).
        public var slots = 32

        /// The frame duration the counts above are given for.
        static let referenceFrameMilliseconds = 20

        /// The tuning above for frames of `frameMilliseconds` (10 or 20).
        public init(frameMilliseconds: Int = 20) {
            frameNanoseconds = Int64(frameMilliseconds) * 1_000_000
            let scale = max(Configuration.referenceFrameMilliseconds / max(frameMilliseconds, 1), 1)
            window *= scale
            warmUpPackets *= scale
            quietShrinkSpacing *= scale
            pauseTicks *= scale
            speechShrinkSpacing *= scale
            endFrames *= scale
            slots *= scale
        }
    }

    /// What to play this tick.
    public enum Kind: UInt8, Sendable, Equatable {
        /// No stream: play nothing.
        case silence
        /// Decode the packet `sequence`.
        case decode
        /// The packet due was lost: rebuild it from the FEC in packet `sequence` (the next one).
        case fec
        /// Nothing to decode: let the decoder conceal one frame.
        case conceal
    }

    /// How to shape the frame's level at a stream edge.
    public enum Fade: UInt8, Sendable, Equatable { case none, fadeIn, fadeOut }

    /// One tick's decision.
    public struct Frame: Sendable, Equatable {
        public var kind: Kind
        /// The packet to decode (for `.decode` and `.fec`).
        public var sequence: UInt64
        /// A packet dropped to shrink the delay: decode it first and discard the result.
        public var dropped: UInt64?
        public var fade: Fade
    }

    /// Why an inserted packet was not kept.
    public enum Rejection: Error, Sendable, Equatable {
        case duplicate(sequence: UInt64)
        /// It came after its frame was played or given up for lost.
        case late(sequence: UInt64)
        /// It is further ahead of playout than the buffer holds.
        case tooFarAhead(sequence: UInt64)
        case tooLarge(bytes: Int)
        case empty
    }

    /// One tick in the trace: enough to plot delay against target and see every loss.
    public struct TraceEntry: Sendable, Equatable {
        public var time: Int64
        public var kind: Kind
        public var sequence: UInt64
        /// The playout delay at this tick (0 while silent).
        public var delay: Int64
        public var target: Int64
        /// Whether the tick stretched (waited for a late packet) or dropped a frame to shrink.
        public var stretched: Bool
        public var shrunk: Bool
    }

    /// Counts since the buffer was made.
    public struct Counters: Sendable, Equatable {
        public var received = 0
        public var duplicates = 0
        public var late = 0
        /// Frames whose own packet had not come when they were due (each then came from a
        /// redundant copy, FEC or PLC).
        public var lost = 0
        /// Lost frames played from a redundant copy carried by a later packet.
        public var recoveredByRedundancy = 0
        /// Lost frames handed to the decoder's FEC because the next packet was there. Whether
        /// that packet held FEC data, and so whether the frame was rebuilt, only the decoder can
        /// tell (`SpeakerStream.recoveredByFEC`).
        public var fecDecodes = 0
        /// Frames made up by the decoder: losses without FEC and stretches.
        public var concealed = 0
        public var stretched = 0
        public var shrunk = 0
        public var streamsStarted = 0
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    /// The delay the buffer aims for now.
    public private(set) var target: Int64

    private let payloads: UnsafeMutableBufferPointer<UInt8>
    private var slotSequence: [UInt64]
    private var slotLength: [Int]
    private var slotFull: [Bool]
    /// The slot holds a redundant copy, not the frame's own packet.
    private var slotRedundant: [Bool]
    private var buffered = 0
    private var offsets: [Int64]
    private var offsetCount = 0
    private var offsetNext = 0
    private var topScratch: [Int64]
    private var playing: UInt64 = 0
    private var started = false
    private var everStarted = false
    private var emptyTicks = 0
    private var ticksSinceShrink = 0
    /// Quiet ticks in a row, as the caller reported them.
    private var quietRun = 0
    /// Ticks since a frame was last given up for lost (loss in the window buys FEC headroom).
    private var ticksSinceLoss = Int.max / 2
    /// Ticks since a redundant copy last came: a speaker sends copies only while its line or its
    /// listeners lose packets, so copies buy the headroom before this buffer has lost anything.
    private var ticksSinceCopy = Int.max / 2
    /// The `percentile` of recent lateness (the target without its headroom).
    private var latenessPercentile: Int64 = 0
    /// How many frames back the copies reach (1 ... `maximumCopyReach`), and ticks since one that
    /// deep came.
    private var copyReach = 1
    private var ticksSinceDeepCopy = 0
    /// The deepest copy the headroom waits for.
    static let maximumCopyReach = 3
    private var traceEntries: [TraceEntry]
    private var traceCount = 0
    private var traceNext = 0

    /// A buffer tuned by `configuration`, keeping the last `traceCapacity` ticks (60 s by default).
    public init(configuration: Configuration = Configuration(), traceCapacity: Int = 3_000) {
        self.configuration = configuration
        target = configuration.startDelay
        payloads = .allocate(capacity: configuration.slots * OpusSettings.maxPacketBytes)
        payloads.initialize(repeating: 0)
        slotSequence = Array(repeating: 0, count: configuration.slots)
        slotLength = Array(repeating: 0, count: configuration.slots)
        slotFull = Array(repeating: false, count: configuration.slots)
        slotRedundant = Array(repeating: false, count: configuration.slots)
        offsets = Array(repeating: 0, count: configuration.window)
        topScratch = Array(repeating: 0, count: configuration.window + 1)
        let blank = TraceEntry(time: 0, kind: .silence, sequence: 0, delay: 0, target: 0, stretched: false, shrunk: false)
        traceEntries = Array(repeating: blank, count: max(traceCapacity, 1))
    }

    deinit { payloads.deallocate() }

    /// Packets waiting to be played.
    public var bufferedPackets: Int { buffered }

    /// Whether a stream is playing: false before its first frame is due and after it ended.
    public var isPlaying: Bool { started }

    /// Whether a caller playing out in periods shorter than a frame may start the next frame at
    /// `now`, before the current one has played out (`MediaPipeline`): in a pause (as for
    /// whole-frame shrinking: `pauseTicks` quiet, `quietShrinkSpacing` since the last shrink, the
    /// delay learned), with the next frame here and due, `margin` or more above the target if
    /// played now. Whole-frame shrinking leaves a stream anywhere up to a frame above its target;
    /// this takes it to within a period and the margin. A yes counts as a shrink.
    public func mayStartEarly(now: Int64, margin: Int64) -> Bool {
        guard started, offsetCount >= configuration.warmUpPackets, quietRun >= configuration.pauseTicks,
              ticksSinceShrink >= configuration.quietShrinkSpacing, holds(playing),
              playoutDelay(of: playing, now: now) >= target + margin else { return false }
        ticksSinceShrink = 0
        counters.shrunk += 1
        return true
    }

    /// Adds a packet that arrived at `arrival` (ns). Every arrival, even a late one, teaches the
    /// delay estimate; the packet is kept unless it is returned as a `Rejection`.
    public func insert(sequence: UInt64, payload: UnsafeBufferPointer<UInt8>, arrival: Int64) -> Rejection? {
        guard payload.count > 0 else { return .empty }
        guard payload.count <= OpusSettings.maxPacketBytes else { return .tooLarge(bytes: payload.count) }
        counters.received += 1
        if started || everStarted, sequence < playing {
            learn(sequence: sequence, arrival: arrival)
            counters.late += 1
            return .late(sequence: sequence)
        }
        // Here sequence ≥ playing, so the difference cannot wrap (a sum could: counters are the sender's).
        if started, sequence - playing >= UInt64(configuration.slots) { return .tooFarAhead(sequence: sequence) }
        let slot = Int(sequence % UInt64(configuration.slots))
        if slotFull[slot] {
            if slotSequence[slot] == sequence && slotRedundant[slot] {
                // Its copy came first: the packet was late, not lost; it takes the copy's place.
                buffered -= 1
            } else if slotSequence[slot] == sequence {
                counters.duplicates += 1
                return .duplicate(sequence: sequence)
            } else {
                // Before playout starts a newer packet replaces an older one in its slot.
                if slotSequence[slot] > sequence { return .tooFarAhead(sequence: sequence) }
                buffered -= 1
            }
        }
        learn(sequence: sequence, arrival: arrival)
        store(sequence: sequence, payload: payload, in: slot, redundant: false)
        return nil
    }

    /// Adds a redundant copy of frame `sequence` that the packet `distance` frames later carried
    /// (already authenticated as that speaker's frame `sequence`). It is kept only when that
    /// frame is neither held nor played or given up yet, so a frame is never played twice;
    /// returns whether it was kept. It leaves the delay estimate and `received` alone; its
    /// distance sets the headroom under loss.
    @discardableResult
    public func insertRedundant(sequence: UInt64, distance: Int = 1, payload: UnsafeBufferPointer<UInt8>) -> Bool {
        guard payload.count > 0, payload.count <= OpusSettings.maxPacketBytes else { return false }
        let reach = min(max(distance, 1), Self.maximumCopyReach)
        ticksSinceCopy = 0
        if reach >= copyReach {
            copyReach = reach
            ticksSinceDeepCopy = 0
        }
        if started || everStarted, sequence < playing { return false }
        if started, sequence - playing >= UInt64(configuration.slots) { return false }
        let slot = Int(sequence % UInt64(configuration.slots))
        if slotFull[slot] {
            guard slotSequence[slot] < sequence else { return false }
            buffered -= 1
        }
        store(sequence: sequence, payload: payload, in: slot, redundant: true)
        return true
    }

    private func store(sequence: UInt64, payload: UnsafeBufferPointer<UInt8>, in slot: Int, redundant: Bool) {
        let base = slot * OpusSettings.maxPacketBytes
        _ = UnsafeMutableBufferPointer(rebasing: payloads[base ..< base + payload.count]).initialize(from: payload)
        slotSequence[slot] = sequence
        slotLength[slot] = payload.count
        slotFull[slot] = true
        slotRedundant[slot] = redundant
        buffered += 1
    }

    /// Calls `body` with the payload of the buffered packet `sequence` (empty if it is not held).
    /// Valid until the next `next(now:)`.
    public func withPayload<R>(_ sequence: UInt64, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let slot = Int(sequence % UInt64(configuration.slots))
        guard slotSequence[slot] == sequence, slotLength[slot] > 0 else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        let base = slot * OpusSettings.maxPacketBytes
        return try body(UnsafeBufferPointer(rebasing: payloads[base ..< base + slotLength[slot]]))
    }

    /// Decides what to play at `now` (ns), once per frame period. `quiet` says whether the
    /// speaker was silent in the last frame played: the buffer then shrinks faster.
    public func next(now: Int64, quiet: Bool = false) -> Frame {
        next(now: now, quiet: quiet, mayDropInPause: { _ in true })
    }

    /// Decides what to play at `now` (ns), as `next(now:quiet:)` does, but asks before dropping a
    /// frame in a pause: `mayDropInPause(sequence)` says whether that packet is itself quiet
    /// enough to skip (the caller decodes it to find out), so that a pause's shrinking never
    /// clips the first syllable after it. Drops for speech-time shrinking and above the ceiling
    /// are not asked about. The closure is not kept: nothing is allocated.
    public func next(now: Int64, quiet: Bool, mayDropInPause: (UInt64) -> Bool) -> Frame {
        var frame = Frame(kind: .silence, sequence: 0, dropped: nil, fade: .none)
        var stretched = false
        var shrunk = false
        if !started {
            if buffered > 0, let first = lowestBuffered(), playoutDelay(of: first, now: now) >= target {
                started = true
                everStarted = true
                playing = first
                emptyTicks = 0
                ticksSinceShrink = 0
                counters.streamsStarted += 1
                frame.fade = .fadeIn
            } else {
                record(now: now, frame: frame, delay: 0, stretched: false, shrunk: false)
                return frame
            }
        }
        ticksSinceShrink += 1
        ticksSinceLoss += 1
        ticksSinceCopy += 1
        ticksSinceDeepCopy += 1
        if ticksSinceDeepCopy >= configuration.window { copyReach = 1 }
        quietRun = quiet ? quietRun + 1 : 0
        let inAPause = quietRun >= configuration.pauseTicks
        let delay = playoutDelay(of: playing, now: now)
        // On a line that loses packets (or whose speaker sends copies because it does), a frame
        // missing in speech once the delay covers the lateness percentile and a frame is lost,
        // not late: its packet and the next, which carries its copy, would be here by then.
        let losing = ticksSinceLoss < configuration.window || ticksSinceCopy < configuration.window
        let mayBeLate = inAPause || !losing || delay < Self.saturating(latenessPercentile, minus: -configuration.frameNanoseconds)
        let settledWindow = offsetCount >= configuration.warmUpPackets
        if holds(playing), settledWindow, inAPause, delay < target, ticksSinceShrink >= configuration.quietShrinkSpacing {
            // Below target in a pause (a speaker whose clock runs slow drains the buffer): wait
            // a frame now, inaudibly, rather than run dry in the middle of a word.
            emptyTicks = 0
            frame.kind = .conceal
            stretched = true
            ticksSinceShrink = 0
            counters.stretched += 1
            counters.concealed += 1
        } else if holds(playing) {
            emptyTicks = 0
            let overCeiling = delay > configuration.maximumDelay
            let excess = Self.saturating(delay, minus: target)
            let frameTime = configuration.frameNanoseconds
            // While warming up the base delay is still being found (each faster packet lowers it
            // and so raises the measured delay): only the ceiling is enforced then, and the
            // spacing starts once it is found, so that the first shrink may wait for a pause.
            let settled = offsetCount >= configuration.warmUpPackets
            if !settled { ticksSinceShrink = 0 }
            // In speech only what a stream's start would not explain: a fresh stream starts up to
            // a frame above `startDelay`, and that is left to the pauses to take back.
            let inSpeech = settled && excess > 2 * frameTime && delay > configuration.startDelay + frameTime
                && ticksSinceShrink >= configuration.speechShrinkSpacing
            let inPause = settled && inAPause && excess > frameTime && ticksSinceShrink >= configuration.quietShrinkSpacing
            if let after = Self.successor(of: playing), holds(after),
               overCeiling || inSpeech || (inPause && mayDropInPause(playing)) {
                frame.dropped = playing
                consume(playing)
                playing = after
                shrunk = true
                ticksSinceShrink = 0
                counters.shrunk += 1
            }
            frame.kind = .decode
            frame.sequence = playing
            if isRedundantCopy(playing) {
                counters.lost += 1
                counters.recoveredByRedundancy += 1
                ticksSinceLoss = 0
            }
            consume(playing)
            advance()
        } else if buffered == 0 && emptyTicks + 1 >= configuration.endFrames {
            // The sender stopped: one last faded concealment, then silence and a fresh stream.
            frame.kind = .conceal
            frame.fade = .fadeOut
            counters.concealed += 1
            started = false
            resetWindow()
            target = configuration.startDelay
        } else if delay < target && mayBeLate {
            // Late rather than lost: wait one frame for it.
            emptyTicks += buffered == 0 ? 1 : 0
            frame.kind = .conceal
            stretched = true
            counters.stretched += 1
            counters.concealed += 1
        } else {
            emptyTicks += buffered == 0 ? 1 : 0
            counters.lost += 1
            ticksSinceLoss = 0
            if let after = Self.successor(of: playing), holds(after) {
                frame.kind = .fec
                frame.sequence = after
                counters.fecDecodes += 1
            } else {
                frame.kind = .conceal
                counters.concealed += 1
            }
            advance()
        }
        record(now: now, frame: frame, delay: delay, stretched: stretched, shrunk: shrunk)
        return frame
    }

    /// The recorded ticks, oldest first.
    public var trace: [TraceEntry] {
        let capacity = traceEntries.count
        let start = traceCount < capacity ? 0 : traceNext
        return (0..<traceCount).map { traceEntries[(start + $0) % capacity] }
    }

    /// The trace as CSV (time and delays in milliseconds), for plotting.
    public var traceCSV: String {
        var lines = ["time_ms,sequence,kind,delay_ms,target_ms,stretched,shrunk"]
        for e in trace {
            lines.append("\(Double(e.time) / 1e6),\(e.sequence),\(e.kind),\(Double(e.delay) / 1e6),"
                + "\(Double(e.target) / 1e6),\(e.stretched ? 1 : 0),\(e.shrunk ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Internals

    /// The sequence after `sequence`; the last one has none. Sequences are the sender's SFrame
    /// counters: receivers refuse those ≥ 2^62, but the buffer must not trap on any input.
    private static func successor(of sequence: UInt64) -> UInt64? {
        sequence == UInt64.max ? nil : sequence + 1
    }

    /// Moves playout on one frame; it stays on the last sequence once there.
    private func advance() {
        playing = Self.successor(of: playing) ?? playing
    }

    /// `a − b`, held at the ends of Int64: transit offsets come from the sender's sequence
    /// numbers and can be anywhere in the range.
    private static func saturating(_ a: Int64, minus b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        guard overflow else { return difference }
        return b < 0 ? Int64.max : Int64.min
    }

    private func isRedundantCopy(_ sequence: UInt64) -> Bool {
        holds(sequence) && slotRedundant[Int(sequence % UInt64(configuration.slots))]
    }

    private func holds(_ sequence: UInt64) -> Bool {
        let slot = Int(sequence % UInt64(configuration.slots))
        return slotFull[slot] && slotSequence[slot] == sequence
    }

    /// Frees the slot; the payload stays readable until overwritten (through the next tick).
    private func consume(_ sequence: UInt64) {
        let slot = Int(sequence % UInt64(configuration.slots))
        if slotFull[slot] && slotSequence[slot] == sequence {
            slotFull[slot] = false
            buffered -= 1
        }
    }

    private func lowestBuffered() -> UInt64? {
        var lowest: UInt64?
        for i in 0..<configuration.slots where slotFull[i] {
            if lowest == nil || slotSequence[i] < lowest! { lowest = slotSequence[i] }
        }
        return lowest
    }

    private func transitOffset(_ sequence: UInt64, _ arrival: Int64) -> Int64 {
        arrival &- Int64(truncatingIfNeeded: sequence) &* configuration.frameNanoseconds
    }

    private func baseOffset() -> Int64 {
        var base = Int64.max
        for i in 0..<offsetCount where offsets[i] < base { base = offsets[i] }
        return base
    }

    private func playoutDelay(of sequence: UInt64, now: Int64) -> Int64 {
        guard offsetCount > 0 else { return 0 }
        return now &- Int64(truncatingIfNeeded: sequence) &* configuration.frameNanoseconds &- baseOffset()
    }

    private func learn(sequence: UInt64, arrival: Int64) {
        offsets[offsetNext] = transitOffset(sequence, arrival)
        offsetNext = (offsetNext + 1) % offsets.count
        offsetCount = min(offsetCount + 1, offsets.count)
        updateTarget()
    }

    private func resetWindow() {
        offsetCount = 0
        offsetNext = 0
    }

    /// Target = the `percentile` of lateness over the window: the k-th largest, found by keeping
    /// the k largest in a fixed scratch array (k ≤ a few, so this is cheap and allocation-free).
    private func updateTarget() {
        let base = baseOffset()
        let k = max(1, Int((Double(offsetCount) * (1 - configuration.percentile)).rounded(.up)))
        var kept = 0
        for i in 0..<offsetCount {
            let lateness = Self.saturating(offsets[i], minus: base)
            var at = kept
            while at > 0 && topScratch[at - 1] < lateness {
                if at < k { topScratch[at] = topScratch[at - 1] }
                at -= 1
            }
            if at < k {
                topScratch[at] = lateness
                kept = min(kept + 1, k)
            }
        }
        let lateness = topScratch[max(kept - 1, 0)]
        latenessPercentile = lateness
        let clean = ticksSinceLoss >= configuration.window && ticksSinceCopy >= configuration.window
            && lateness <= configuration.frameNanoseconds / 2
        let headroom = clean ? configuration.cleanHeadroom : configuration.frameNanoseconds * Int64(copyReach)
        var estimate = Self.saturating(lateness, minus: -headroom)
        if offsetCount < configuration.warmUpPackets { estimate = max(estimate, configuration.startDelay) }
        target = min(max(estimate, configuration.minimumDelay), configuration.maximumDelay)
    }

    private func record(now: Int64, frame: Frame, delay: Int64, stretched: Bool, shrunk: Bool) {
        traceEntries[traceNext] = TraceEntry(time: now, kind: frame.kind, sequence: frame.sequence, delay: delay,
                                             target: target, stretched: stretched, shrunk: shrunk)
        traceNext = (traceNext + 1) % traceEntries.count
        traceCount = min(traceCount + 1, traceEntries.count)
    }
}
