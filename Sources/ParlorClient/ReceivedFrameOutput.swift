import Foundation
import ParlorAudio
import Synchronization

/// What leaves the media loop for the per-speaker Ogg Opus files: each verified frame as
/// received. As with `MediaOutputs`, the loop pushes into a lock-free ring and a writer thread
/// of its own calls the sink (pages, file writes), so the loop never waits for a disk. A full
/// ring drops the frame and counts it.
///
/// A slot is 16-bit words: key id, counter and arrival (4 words each), the speaker's tag, the
/// frame's length, then its bytes two to a word.
final class ReceivedFrameOutput: @unchecked Sendable {
    /// The longest Opus packet (RFC 6716 §3.2.1).
    static let maximumFrameBytes = 1_275
    static let headerWords = 14
    static let slotWords = headerWords + (maximumFrameBytes + 1) / 2
    /// Frames the ring holds: seconds of 4 speakers.
    static let capacity = 256
    /// How often the writer looks for frames.
    static let pollMicroseconds: useconds_t = 5_000

    private let sink: any ReceivedFrameSink
    private let ring = SPSCRing(frameSamples: ReceivedFrameOutput.slotWords, capacity: ReceivedFrameOutput.capacity)
    private let slot = UnsafeMutableBufferPointer<Int16>.allocate(capacity: ReceivedFrameOutput.slotWords)
    private let dropped = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)
    private let done = DispatchSemaphore(value: 0)
    /// Speakers' member ids by tag, appended by the loop when it first hears one.
    private let speakerTags = SpeakerTags()

    /// Feeds `sink` from a writer thread until `close`.
    init(sink: any ReceivedFrameSink) {
        self.sink = sink
        slot.initialize(repeating: 0)
        let thread = Thread { [self] in write() }
        thread.name = "parlor-frame-writer"
        thread.start()
    }

    deinit { slot.deallocate() }

    /// Frames dropped because the writer fell behind (a stalled disk), or longer than Opus allows.
    var overflows: Int { dropped.load(ordering: .relaxed) }

    /// `member`'s tag in the ring, made the first time (a lock and an allocation): the loop asks
    /// once per speaker and keeps it.
    func tag(for member: MemberID) -> Int16 {
        speakerTags.tag(for: member)
    }

    /// Queues a received frame of the speaker `tag` stands for. The loop's side: lock-free, and
    /// it allocates nothing.
    func push(tag: Int16, keyID: UInt64, counter: UInt64, opus: UnsafeBufferPointer<UInt8>, arrival: Int64) {
        guard opus.count <= Self.maximumFrameBytes else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        store(keyID, at: 0)
        store(counter, at: 4)
        store(UInt64(bitPattern: arrival), at: 8)
        slot[12] = tag
        slot[13] = Int16(opus.count)
        for i in stride(from: 0, to: opus.count, by: 2) {
            let low = UInt16(opus[i]), high = i + 1 < opus.count ? UInt16(opus[i + 1]) : 0
            slot[Self.headerWords + i / 2] = Int16(bitPattern: low | high << 8)
        }
        if !ring.push(UnsafeBufferPointer(slot)) { dropped.add(1, ordering: .relaxed) }
    }

    /// Writes `value` as 4 words, low first, from `word` of the slot.
    private func store(_ value: UInt64, at word: Int) {
        for index in 0..<4 { slot[word + index] = Int16(truncatingIfNeeded: value >> (16 * UInt64(index))) }
    }

    /// Writes what is queued, then ends the sink's recording; returns when done.
    func close() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        done.wait()
    }

    private func write() {
        let frame = UnsafeMutableBufferPointer<Int16>.allocate(capacity: Self.slotWords)
        frame.initialize(repeating: 0)
        var bytes = [UInt8](repeating: 0, count: Self.maximumFrameBytes)
        defer { frame.deallocate() }
        func value(_ index: Int) -> UInt64 {
            (0..<4).reduce(UInt64(0)) { $0 | UInt64(UInt16(bitPattern: frame[index * 4 + $1])) << (16 * UInt64($1)) }
        }
        while true {
            let stopping = !running.load(ordering: .acquiring)
            while ring.pop(into: frame) {
                let tag = Int(frame[12]), count = Int(frame[13])
                guard let name = speakerTags.name(of: Int(tag)) else { continue }
                for i in 0..<count {
                    let word = UInt16(bitPattern: frame[Self.headerWords + i / 2])
                    bytes[i] = UInt8(truncatingIfNeeded: i % 2 == 0 ? word : word >> 8)
                }
                bytes.withUnsafeBufferPointer { all in
                    sink.received(speaker: name, keyID: value(0), counter: value(1),
                                  opus: UnsafeBufferPointer(rebasing: all[..<count]), arrival: Int64(bitPattern: value(2)))
                }
            }
            if stopping { break }
            usleep(Self.pollMicroseconds)
        }
        sink.close(at: MonotonicAudioClock().now())
        done.signal()
    }
}
