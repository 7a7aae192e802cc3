import Testing
@testable import ParlorAudio

/// The jitter buffer driven by network traces: packets arrive as the trace says, and it is asked
/// for a frame every 20 ms, as the mixer would.
@Suite struct JitterBufferTests {
    static let ms: Int64 = 1_000_000
    static let payload: [UInt8] = [0x08, 1, 2, 3]

    /// Feeds `arrivals` into `buffer` and ticks it `ticks` times, 5 ms after each frame boundary.
    /// `quiet(tick)` says whether the speaker paused in the previous frame.
    static func run(_ arrivals: [SimulatedNetwork.Arrival], through buffer: JitterBuffer, ticks: Int,
                    quiet: (Int) -> Bool = { _ in false }) -> [JitterBuffer.Frame] {
        var pending = arrivals[...]
        var frames: [JitterBuffer.Frame] = []
        for k in 0..<ticks {
            let now = Int64(k) * SimulatedNetwork.frame + 5 * ms
            while let a = pending.first, a.time <= now {
                pending.removeFirst()
                _ = payload.withUnsafeBufferPointer { buffer.insert(sequence: a.sequence, payload: $0, arrival: a.time) }
            }
            frames.append(buffer.next(now: now, quiet: quiet(k)))
        }
        return frames
    }

    @Test func startsFortyToSixtyMillisecondsBehind() {
        let buffer = JitterBuffer()
        let frames = Self.run(SimulatedNetwork.arrivals(frames: 50) { _ in 10 * Self.ms }, through: buffer, ticks: 50)
        let first = buffer.trace.first { $0.kind == .decode }!
        #expect(first.delay >= 40 * Self.ms && first.delay < 60 * Self.ms, "first delay \(first.delay / Self.ms) ms")
        #expect(frames.first { $0.kind != .silence }?.fade == .fadeIn)
    }

    @Test func reordersBySequence() {
        // Every pair swaps: 1 arrives before 0, 3 before 2, …
        let arrivals = SimulatedNetwork.arrivals(frames: 200) { $0 % 2 == 0 ? 35 * Self.ms : 5 * Self.ms }
        #expect(arrivals[0].sequence == 1)
        let buffer = JitterBuffer()
        let decoded = Self.run(arrivals, through: buffer, ticks: 200).filter { $0.kind == .decode }.map(\.sequence)
        #expect(decoded.count > 180)
        #expect(zip(decoded, decoded.dropFirst()).allSatisfy { $1 > $0 }, "frames out of order")
        #expect(buffer.counters.lost == 0 && buffer.counters.late == 0)
    }

    @Test func burstsOfLossUseFECForTheLastFrameAndPLCBefore() {
        let lost: Set<Int> = [50, 51, 52, 53, 54, 100, 101, 102]
        let arrivals = SimulatedNetwork.arrivals(frames: 200, delay: { _ in 10 * Self.ms }, lost: { lost.contains($0) })
        let buffer = JitterBuffer()
        let frames = Self.run(arrivals, through: buffer, ticks: 200)
        #expect(buffer.counters.lost == 8)
        #expect(buffer.counters.fecDecodes == 2)
        #expect(frames.contains(JitterBuffer.Frame(kind: .fec, sequence: 55, dropped: nil, fade: .none)))
        #expect(frames.contains(JitterBuffer.Frame(kind: .fec, sequence: 103, dropped: nil, fade: .none)))
        #expect(buffer.counters.streamsStarted == 1, "a burst is not the end of a stream")
        let concealed = frames.filter { $0.kind == .conceal }.count
        #expect(concealed == 6)
    }

    /// Jitter steps from 5 ms to 120 ms for four seconds and back: the delay must rise within a
    /// second and come back down within a few seconds, with speech (decoding) going on throughout:
    /// talk spurts of 900 ms with 100 ms pauses, as in running speech.
    @Test func followsAStepChangeInJitterUpAndDown() {
        var random = SimulatedNetwork.Random(state: 7)
        let jitter: [Int64] = (0..<700).map { seq in
            let spread: Double = (200..<400).contains(seq) ? 120 : 5
            return Int64(10 + random.unit() * spread) * Self.ms
        }
        let buffer = JitterBuffer()
        _ = Self.run(SimulatedNetwork.arrivals(frames: 700) { jitter[$0] }, through: buffer, ticks: 700) { $0 % 50 >= 45 }
        let trace = buffer.trace
        func delay(atSecond s: Double) -> Int64 { trace[Int(s * 50)].delay }
        let before = delay(atSecond: 3.9)
        let risenBy = trace[200..<250].map(\.delay).max()!
        let highLate = trace[250..<400].filter { $0.kind != .decode }.count
        let peak = trace[200..<400].map(\.delay).max()!
        let after = delay(atSecond: 12)
        let settled = trace[560..<700].map(\.delay).max()!
        print("jitter step: delay \(before / Self.ms) ms before, \(risenBy / Self.ms) ms within 1 s of the rise (peak \(peak / Self.ms) ms), "
            + "\(after / Self.ms) ms 4 s after the fall; \(highLate) of 150 frames not decoded while jitter was high; "
            + "counters \(buffer.counters)")
        #expect(before <= 60 * Self.ms)
        #expect(risenBy >= 2 * before && risenBy >= 80 * Self.ms, "delay should rise within a second")
        #expect(highLate <= 15, "once risen, most packets should be on time")
        #expect(settled <= 80 * Self.ms, "delay should come back down within a few seconds")
        #expect(buffer.counters.shrunk > 0)
        #expect(trace[400..<700].filter { $0.kind == .decode }.count > 270, "speech continues while shrinking")
    }

    @Test func neverWaitsMoreThanTwoHundredMilliseconds() {
        var random = SimulatedNetwork.Random(state: 3)
        let buffer = JitterBuffer()
        _ = Self.run(SimulatedNetwork.arrivals(frames: 500) { _ in Int64(random.unit() * 400) * Self.ms }, through: buffer, ticks: 520)
        #expect(buffer.trace.allSatisfy { $0.target <= 200 * Self.ms })
        // The delay is the target plus up to one tick of granularity, plus a moment when the
        // fastest packet leaves the window, until the next tick drops a frame.
        let delays = buffer.trace.filter { $0.kind != .silence }.map(\.delay)
        #expect(delays.max()! <= 250 * Self.ms)
        #expect(delays.reduce(0, +) / Int64(delays.count) <= 230 * Self.ms)
    }

    @Test func fadesOutWhenPacketsStopAndStartsAFreshStream() {
        let arrivals = SimulatedNetwork.arrivals(frames: 300, delay: { _ in 10 * Self.ms }, lost: { (100..<200).contains($0) })
        let buffer = JitterBuffer()
        let frames = Self.run(arrivals, through: buffer, ticks: 300)
        #expect(frames.filter { $0.fade == .fadeOut }.count == 1)
        #expect(frames.filter { $0.fade == .fadeIn }.count == 2)
        #expect(buffer.counters.streamsStarted == 2)
        #expect(frames[150].kind == .silence)
    }

    /// A pause's shrinking asks about the frame it would drop: refused, the delay stays; allowed,
    /// it falls. Speech-time shrinking (more than two frames over target) does not ask.
    @Test func shrinksInAPauseOnlyWhenTheDroppedFrameIsQuiet() {
        // 40 ms and more at the start, then steady packets: the target falls to 20 ms.
        let arrivals = SimulatedNetwork.arrivals(frames: 200) { _ in 10 * Self.ms }
        func run(allow: Bool) -> (JitterBuffer, asked: Int) {
            let buffer = JitterBuffer()
            var pending = arrivals[...]
            var asked = 0
            for k in 0..<200 {
                let now = Int64(k) * SimulatedNetwork.frame + 5 * Self.ms
                while let a = pending.first, a.time <= now {
                    pending.removeFirst()
                    _ = Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: a.sequence, payload: $0, arrival: a.time) }
                }
                _ = buffer.next(now: now, quiet: true) { _ in
                    asked += 1
                    return allow
                }
            }
            return (buffer, asked)
        }
        let refused = run(allow: false), allowed = run(allow: true)
        #expect(refused.asked > 0 && allowed.asked > 0)
        #expect(allowed.0.counters.shrunk > 0)
        #expect(refused.0.counters.shrunk < allowed.0.counters.shrunk)
        #expect(refused.0.trace.last!.delay > allowed.0.trace.last!.delay)
    }

    /// At 10 ms frames the tuning keeps the same times: twice the packets and ticks.
    @Test func tenMillisecondFramesKeepTheSameTimes() {
        let ten = JitterBuffer.Configuration(frameMilliseconds: 10), twenty = JitterBuffer.Configuration()
        #expect(ten.frameNanoseconds == 10 * Self.ms)
        #expect(ten.window == 2 * twenty.window && ten.endFrames == 2 * twenty.endFrames)
        #expect(ten.speechShrinkSpacing == 2 * twenty.speechShrinkSpacing && ten.slots == 2 * twenty.slots)
        // A 10 ms stream with a steady delay starts 40 to 60 ms behind and plays in order.
        let buffer = JitterBuffer(configuration: ten)
        var decoded: [UInt64] = []
        for k in 0..<200 {
            let now = Int64(k) * 10 * Self.ms + 2 * Self.ms
            if k >= 1 { _ = Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: UInt64(k - 1), payload: $0, arrival: now) } }
            let frame = buffer.next(now: now)
            if frame.kind == .decode { decoded.append(frame.sequence) }
        }
        let first = buffer.trace.first { $0.kind == .decode }!
        #expect(first.delay >= 40 * Self.ms && first.delay < 60 * Self.ms, "first delay \(first.delay / Self.ms) ms")
        #expect(decoded.count > 180 && zip(decoded, decoded.dropFirst()).allSatisfy { $1 > $0 }, "in order")
    }

    /// The trace as CSV, for plotting: a header and one row per tick with numeric columns.
    @Test func traceIsCSVAToolCanPlot() {
        let buffer = JitterBuffer()
        let arrivals = SimulatedNetwork.arrivals(frames: 60, delay: { _ in 10 * Self.ms }, lost: { $0 == 30 })
        _ = Self.run(arrivals, through: buffer, ticks: 60)
        let lines = buffer.traceCSV.split(separator: "\n")
        #expect(lines.first == "time_ms,sequence,kind,delay_ms,target_ms,stretched,shrunk")
        #expect(lines.count == 61)
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields.count == 7, "\(line)")
            #expect(["silence", "decode", "fec", "conceal"].contains(String(fields[2])), "\(line)")
            #expect([0, 1, 3, 4, 5, 6].allSatisfy { Double(fields[$0]) != nil }, "\(line)")
        }
        #expect(lines.contains { $0.contains(",fec,") }, "the lost frame shows")
    }

    @Test func rejectsBadAndLatePackets() {
        let buffer = JitterBuffer()
        let big = [UInt8](repeating: 0, count: OpusSettings.maxPacketBytes + 1)
        #expect(big.withUnsafeBufferPointer { buffer.insert(sequence: 0, payload: $0, arrival: 0) } == .tooLarge(bytes: big.count))
        #expect([UInt8]().withUnsafeBufferPointer { buffer.insert(sequence: 0, payload: $0, arrival: 0) } == .empty)
        #expect(Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: 5, payload: $0, arrival: 0) } == nil)
        #expect(Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: 5, payload: $0, arrival: 1) } == .duplicate(sequence: 5))
        _ = buffer.next(now: 200 * Self.ms)
        #expect(Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: 4, payload: $0, arrival: 2) } == .late(sequence: 4))
    }
}

/// Redundant copies (docs/PROTOCOL.md §6.2): packet n + 1 carries a copy of frame n.
@Suite struct JitterBufferRedundancyTests {
    static let ms: Int64 = 1_000_000
    static let payload: [UInt8] = [0x08, 1, 2, 3]
    static let copy: [UInt8] = [0x08, 9, 9]

    /// Runs 200 frames arriving 10 ms after they are sent, minus `lost`; each packet that arrives
    /// brings a copy of the frame before it when `copies`.
    static func run(lost: Set<Int>, copies: Bool, quiet: Bool = false, buffer: JitterBuffer = JitterBuffer()) -> [JitterBuffer.Frame] {
        let arrivals = SimulatedNetwork.arrivals(frames: 200, delay: { _ in 10 * ms }, lost: { lost.contains($0) })
        var pending = arrivals[...]
        var frames: [JitterBuffer.Frame] = []
        for k in 0..<200 {
            let now = Int64(k) * SimulatedNetwork.frame + 5 * ms
            while let a = pending.first, a.time <= now {
                pending.removeFirst()
                _ = payload.withUnsafeBufferPointer { buffer.insert(sequence: a.sequence, payload: $0, arrival: a.time) }
                if copies, a.sequence > 0 { _ = copy.withUnsafeBufferPointer { buffer.insertRedundant(sequence: a.sequence - 1, payload: $0) } }
            }
            frames.append(buffer.next(now: now, quiet: quiet))
        }
        return frames
    }

    @Test func aLostFrameIsPlayedFromItsCopyBeforeFECOrConcealment() {
        let lost: Set<Int> = [50, 80, 81, 120]
        let buffer = JitterBuffer()
        let frames = Self.run(lost: lost, copies: true, buffer: buffer)
        // 50, 81 and 120 come from the copy in the next packet; 80's copy was in 81, lost too,
        // but 82 carried a copy of 81, whose FEC data rebuilds 80: nothing is concealed.
        #expect(buffer.counters.lost == 4, "loss reports still see the line's loss")
        #expect(buffer.counters.recoveredByRedundancy == 3)
        #expect(buffer.counters.fecDecodes == 1)
        #expect(frames.contains(JitterBuffer.Frame(kind: .fec, sequence: 81, dropped: nil, fade: .none)))
        for sequence: UInt64 in [50, 81, 120] {
            #expect(frames.contains(JitterBuffer.Frame(kind: .decode, sequence: sequence, dropped: nil, fade: .none)))
        }
        #expect(frames.filter { $0.kind == .conceal }.count == 0)
        let decoded = frames.filter { $0.kind == .decode }.map(\.sequence)
        #expect(Set(decoded).count == decoded.count, "no frame played twice")
        // 200 sent, 4 lost, and the last arrives after the last tick.
        #expect(buffer.counters.received == 195, "copies are not counted as packets received")
    }

    /// Copies say the speaker's line or listeners lose packets: the buffer keeps a frame of
    /// headroom for them from the first copy, so the first loss on its own line is saved too.
    /// (Before, it shrank to 4 ms in the first pause as on a clean line, and its first loss,
    /// here frame 150, found no copy in time: concealed.)
    @Test func copiesBuyHeadroomBeforeTheFirstLoss() {
        let buffer = JitterBuffer()
        let frames = Self.run(lost: [150], copies: true, quiet: true, buffer: buffer)
        #expect(buffer.counters.shrunk > 0, "the start's excess is taken back in the pause")
        #expect(buffer.counters.recoveredByRedundancy == 1)
        #expect(buffer.counters.stretched == 0)
        let played = frames.contains(JitterBuffer.Frame(kind: .decode, sequence: 150, dropped: nil, fade: .none))
        #expect(played, "frame 150 played from its copy")
        #expect(buffer.target >= 20 * Self.ms)
    }

    /// Two copies a packet; frames 100–107 come 20 ms late, which lifts the target above the
    /// delay, and then 110–112 are lost, so no copy of 110 comes (they rode in 111 and 112).
    /// Inside speech the buffer gives 110 up rather than stretch for it (its packet and its first
    /// copy would have come by then): it is concealed in place, 113's copies stand for 111 and
    /// 112, and the stream keeps its timing. (Before, it stretched for 110.)
    @Test func onALossyLineAMissingFrameInSpeechIsLostNotWaitedFor() {
        let buffer = JitterBuffer()
        let lost: Set<Int> = [110, 111, 112]
        let arrivals = SimulatedNetwork.arrivals(frames: 200, delay: { (100...107).contains($0) ? 30 * Self.ms : 10 * Self.ms },
                                                 lost: { lost.contains($0) })
        var pending = arrivals.sorted { $0.time < $1.time }[...]
        for k in 0..<200 {
            let now = Int64(k) * SimulatedNetwork.frame + 5 * Self.ms
            while let a = pending.first, a.time <= now {
                pending.removeFirst()
                _ = Self.payload.withUnsafeBufferPointer { buffer.insert(sequence: a.sequence, payload: $0, arrival: a.time) }
                for distance in 1...2 where a.sequence >= UInt64(distance) {
                    _ = Self.copy.withUnsafeBufferPointer { buffer.insertRedundant(sequence: a.sequence - UInt64(distance), distance: distance, payload: $0) }
                }
            }
            _ = buffer.next(now: now)
        }
        #expect(buffer.counters.lost == 3)
        #expect(buffer.counters.recoveredByRedundancy == 2)
        #expect(buffer.target > 55 * Self.ms, "the late frames lifted the target above the delay")
        #expect(buffer.counters.stretched == 0, "no frame waited for inside speech")
    }

    @Test func withoutCopiesTheSameLossGoesToFEC() {
        let buffer = JitterBuffer()
        _ = Self.run(lost: [50, 80, 81, 120], copies: false, buffer: buffer)
        #expect(buffer.counters.recoveredByRedundancy == 0)
        #expect(buffer.counters.fecDecodes == 3)
    }

    /// A copy never replaces a held frame, never revives a played one, and gives way to its
    /// frame's own packet when that comes late.
    @Test func aCopyNeverPlaysTwiceNorOverAnotherFrame() {
        let buffer = JitterBuffer()
        let own: [UInt8] = [0x08, 7, 7, 7, 7]
        _ = own.withUnsafeBufferPointer { buffer.insert(sequence: 0, payload: $0, arrival: 0) }
        #expect(!Self.copy.withUnsafeBufferPointer { buffer.insertRedundant(sequence: 0, payload: $0) }, "frame 0 is held")
        #expect(Self.copy.withUnsafeBufferPointer { buffer.insertRedundant(sequence: 1, payload: $0) })
        #expect(!Self.copy.withUnsafeBufferPointer { buffer.insertRedundant(sequence: 1, payload: $0) }, "a second copy")
        // Frame 1's own packet arrives after its copy: it takes the copy's place.
        #expect(own.withUnsafeBufferPointer { buffer.insert(sequence: 1, payload: $0, arrival: 25 * Self.ms) } == nil)
        #expect(buffer.withPayload(1) { Array($0) } == own)
        #expect(own.withUnsafeBufferPointer { buffer.insert(sequence: 1, payload: $0, arrival: 26 * Self.ms) } == .duplicate(sequence: 1))
        var played: [UInt64] = []
        for k in 0..<6 {
            let frame = buffer.next(now: Int64(k) * 20 * Self.ms + 45 * Self.ms)
            if frame.kind == .decode { played.append(frame.sequence) }
        }
        #expect(played == [0, 1])
        #expect(buffer.counters.recoveredByRedundancy == 0, "frame 1's own packet came")
        #expect(!Self.copy.withUnsafeBufferPointer { buffer.insertRedundant(sequence: 0, payload: $0) }, "frame 0 was played")
        #expect(!Self.copy.withUnsafeBufferPointer { buffer.insertRedundant(sequence: 1, payload: $0) }, "frame 1 was played")
        #expect(![UInt8]().withUnsafeBufferPointer { buffer.insertRedundant(sequence: 9, payload: $0) }, "empty")
        #expect(!Self.copy.withUnsafeBufferPointer { buffer.insertRedundant(sequence: 10_000, payload: $0) }, "too far ahead")
    }
}
