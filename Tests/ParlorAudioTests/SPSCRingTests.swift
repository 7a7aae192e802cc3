import Testing
@testable import ParlorAudio

@Suite struct SPSCRingTests {
    @Test func keepsOrderAndRefusesWhenFullOrEmpty() {
        let ring = SPSCRing(frameSamples: 4, capacity: 2)
        var out = [Int16](repeating: -1, count: 4)
        #expect(!out.withUnsafeMutableBufferPointer { ring.pop(into: $0) })
        #expect([Int16](repeating: 1, count: 4).withUnsafeBufferPointer { ring.push($0) })
        #expect([Int16](repeating: 2, count: 4).withUnsafeBufferPointer { ring.push($0) })
        #expect(![Int16](repeating: 3, count: 4).withUnsafeBufferPointer { ring.push($0) })
        #expect(ring.count == 2)
        #expect(out.withUnsafeMutableBufferPointer { ring.pop(into: $0) } && out == [1, 1, 1, 1])
        #expect(out.withUnsafeMutableBufferPointer { ring.pop(into: $0) } && out == [2, 2, 2, 2])
        #expect(![Int16](repeating: 3, count: 3).withUnsafeBufferPointer { ring.push($0) }, "a short frame is refused")
    }

    /// A producer thread at real-time priority and a consumer here: every frame arrives, in order.
    @Test func crossesThreadsWithoutLosingOrReorderingFrames() throws {
        let ring = SPSCRing(frameSamples: 960, capacity: 4)
        let frames = 2_000
        let producer = try RealtimeThread {
            var frame = [Int16](repeating: 0, count: 960)
            var n = 0
            while n < frames {
                frame.withUnsafeMutableBufferPointer { $0.update(repeating: Int16(truncatingIfNeeded: n)) }
                if frame.withUnsafeBufferPointer({ ring.push($0) }) { n += 1 }
            }
        }
        var got = [Int16](repeating: 0, count: 960)
        var expected = 0
        while expected < frames {
            guard got.withUnsafeMutableBufferPointer({ ring.pop(into: $0) }) else { continue }
            #expect(got.allSatisfy { $0 == Int16(truncatingIfNeeded: expected) })
            expected += 1
        }
        producer.join()
        #expect(ring.count == 0)
    }
}
