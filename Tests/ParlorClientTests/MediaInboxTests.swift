import Foundation
import ParlorAudio
@testable import ParlorClient
import Testing

/// What crosses into and out of the media loop without a lock: the inbox keeps payloads in order
/// and counts what it has no room for; the outputs write every frame in order off the loop.
struct MediaInboxTests {
    @Test func payloadsComeOutInOrderAndAFullInboxCountsWhatItDrops() {
        let inbox = MediaInbox()
        for n in 0..<(MediaInbox.capacity + 5) {
            let payload = [UInt8](repeating: UInt8(n), count: 128)
            payload.withUnsafeBytes { _ = inbox.push($0, arrival: Int64(n)) }
        }
        #expect(inbox.overflows == 5)
        var seen: [(UInt8, Int64, Int)] = []
        inbox.drain { bytes, arrival in seen.append((bytes[0], arrival, bytes.count)) }
        #expect(seen.count == MediaInbox.capacity)
        #expect(seen.enumerated().allSatisfy { Int($1.0) == $0 && $1.1 == Int64($0) && $1.2 == 128 })
        var again = 0
        inbox.drain { _, _ in again += 1 }
        #expect(again == 0)
        let large = [UInt8](repeating: 0, count: 2_000)
        #expect(large.withUnsafeBytes { inbox.push($0, arrival: 0) } == false)
    }

    final class Collector: FrameSink, @unchecked Sendable {
        let lock = NSLock()
        var frames: [Int16] = []
        var closed = false
        func write(_ frame: UnsafeBufferPointer<Int16>) { lock.withLock { frames.append(frame[0]) } }
        func close() { lock.withLock { closed = true } }
    }

    @Test func theMixReachesItsSinksInOrderOffTheLoop() throws {
        let sink = Collector()
        let outputs = try #require(MediaOutputs(sinks: [sink], recorder: nil, frameSamples: 960))
        let scratch = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 961)
        defer { scratch.deallocate() }
        var frame = [Int16](repeating: 0, count: 960)
        for n in 0..<100 {
            frame[0] = Int16(n)
            frame.withUnsafeBufferPointer { outputs.push($0, tag: MediaOutputs.mixTag, scratch: scratch) }
            if n % 20 == 0 { usleep(10_000) }
        }
        outputs.close()
        #expect(sink.closed)
        #expect(sink.frames.count + outputs.overflows == 100)
        #expect(sink.frames == sink.frames.sorted())
        #expect(MediaOutputs(sinks: [], recorder: nil, frameSamples: 960) == nil)
    }
}
