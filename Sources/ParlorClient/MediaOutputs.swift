import Foundation
import ParlorAudio
import Synchronization

/// What leaves the media loop for files: the mix for the mix sinks (WAV files, a test's
/// detector) and the recorder's per-speaker frames. The loop pushes frames into a lock-free ring
/// and a writer thread of its own does the slow part (file writes, header rewrites), so the loop
/// never waits for a disk. A full ring drops the frame and counts it.
final class MediaOutputs: @unchecked Sendable {
    /// Frames the ring holds: more than half a second of 4 speakers and the mix.
    static let capacity = 128
    /// How often the writer looks for frames.
    static let pollMicroseconds: useconds_t = 5_000
    /// The tag of a mix frame; a speaker's frames carry its index in `names`.
    static let mixTag: Int16 = -1

    let frameSamples: Int
    private let sinks: [any FrameSink]
    private let recorder: RoomRecorder?
    /// Frames of `frameSamples` samples plus one: the tag.
    private let ring: SPSCRing
    private let dropped = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)
    private let done = DispatchSemaphore(value: 0)
    /// Speakers' names by tag, appended by the loop when it first hears one.
    private let speakerTags = SpeakerTags()
    private var thread: Thread?

    /// Outputs to `sinks` and `recorder`; nil when there are neither (no thread then).
    init?(sinks: [any FrameSink], recorder: RoomRecorder?, frameSamples: Int) {
        guard !sinks.isEmpty || recorder != nil else { return nil }
        self.sinks = sinks
        self.recorder = recorder
        self.frameSamples = frameSamples
        ring = SPSCRing(frameSamples: frameSamples + 1, capacity: Self.capacity)
        let thread = Thread { [self] in write() }
        thread.name = "parlor-media-writer"
        self.thread = thread
        thread.start()
    }

    /// Frames dropped because the writer fell behind (a stalled disk).
    var overflows: Int { dropped.load(ordering: .relaxed) }

    /// Whether the recorder wants speakers' frames.
    var recordsSpeakers: Bool { recorder != nil }

    /// The tag for `member`'s frames; allocates the first time only (a new speaker).
    func tag(for member: MemberID) -> Int16 {
        speakerTags.tag(for: member)
    }

    /// Queues a frame (`frameSamples` samples) with its tag. The loop's side: lock-free.
    func push(_ frame: UnsafeBufferPointer<Int16>, tag: Int16, scratch: UnsafeMutableBufferPointer<Int16>) {
        _ = UnsafeMutableBufferPointer(rebasing: scratch[..<frameSamples]).update(fromContentsOf: frame)
        scratch[frameSamples] = tag
        if !ring.push(UnsafeBufferPointer(scratch)) { dropped.add(1, ordering: .relaxed) }
    }

    /// Writes what is queued, then finalises every file; returns when done.
    func close() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        done.wait()
    }

    private func write() {
        let frame = UnsafeMutableBufferPointer<Int16>.allocate(capacity: frameSamples + 1)
        frame.initialize(repeating: 0)
        defer { frame.deallocate() }
        let samples = UnsafeBufferPointer(rebasing: frame[..<frameSamples])
        while true {
            let stopping = !running.load(ordering: .acquiring)
            while ring.pop(into: frame) {
                let tag = frame[frameSamples]
                if tag == Self.mixTag {
                    for sink in sinks { sink.write(samples) }
                    try? recorder?.recordMix(samples)
                } else if let recorder {
                    let name = speakerTags.name(of: Int(tag))
                    if let name { try? recorder.record(speaker: name, samples) }
                }
            }
            if stopping { break }
            usleep(Self.pollMicroseconds)
        }
        for sink in sinks { sink.close() }
        recorder?.close()
        done.signal()
    }
}
