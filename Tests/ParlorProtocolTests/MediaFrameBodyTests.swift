import Testing
@testable import ParlorProtocol

/// The frame body (docs/PROTOCOL.md §6.2): a frame and copies of the frames before it.
@Suite struct MediaFrameBodyTests {
    @Test func roundTripsWithZeroOneAndTwoCopies() throws {
        let frame: [UInt8] = [0x08, 9, 9, 9]
        let copies: [[UInt8]] = [[0x08, 1, 1], [0x08, 2]]
        for count in 0...2 {
            let bytes = try MediaFrameBody.encode(frame: frame, copies: Array(copies.prefix(count)))
            let body = try MediaFrameBody.parse(bytes)
            #expect(body.redundancy == count)
            #expect(Array(bytes[body.primary]) == frame)
            for distance in 1...2 {
                #expect(body.copy(distance: distance).map { Array(bytes[$0]) } == (distance <= count ? copies[distance - 1] : nil))
            }
        }
        // Without copies the body is one byte longer than the frame: the 128-byte bucket still
        // holds a 32 kbit/s frame (4 + 9-byte SFrame header + 16 + 1 + 80 + 16 = 126).
        #expect(try MediaFrameBody.encode(frame: frame, copies: []).count == frame.count + 1)
    }

    /// Every malformed body is refused with an error; none traps.
    @Test func malformedBodiesAreRefused() {
        let bad: [(String, [UInt8])] = [
            ("empty", []),
            ("a header and no frame", [0]),
            ("three copies", [3, 0, 1, 0, 1, 0, 1, 7, 7, 7, 7]),
            ("a count of 255", [255, 1, 2, 3]),
            ("a length cut short", [1, 0]),
            ("a second length cut short", [2, 0, 1, 0]),
            ("an empty copy", [1, 0, 0, 7]),
            ("an empty second copy", [2, 0, 1, 0, 0, 7, 7]),
            ("a copy past the end", [1, 0, 9, 7, 7]),
            ("a copy that leaves no frame", [1, 0, 2, 7, 7]),
            ("copies that leave no frame", [2, 0, 1, 0, 1, 7, 7]),
            ("a length of 65,535", [1, 0xFF, 0xFF, 7]),
        ]
        for (what, bytes) in bad {
            #expect(throws: ParlorProtocolError.self, "\(what)") { try MediaFrameBody.parse(bytes) }
        }
        #expect(throws: ParlorProtocolError.self) { try MediaFrameBody.encode(frame: [], copies: []) }
        #expect(throws: ParlorProtocolError.self) { try MediaFrameBody.encode(frame: [1], copies: [[1], [2], [3]]) }
    }

    /// Every prefix and every one-byte change of a good body parses or throws, and what parses
    /// lies inside the bytes.
    @Test func everyTruncationAndByteFlipIsHandled() throws {
        let good = try MediaFrameBody.encode(frame: [0x08] + Array(repeating: 5, count: 20),
                                             copies: [[0x08] + Array(repeating: 6, count: 20), [0x08, 7]])
        var variants = (0..<good.count).map { Array(good.prefix($0)) }
        for index in good.indices {
            for value: UInt8 in [0, 1, 2, 3, 0x7F, 0xFF] {
                var bytes = good
                bytes[index] = value
                variants.append(bytes)
            }
        }
        for bytes in variants {
            guard let body = try? MediaFrameBody.parse(bytes) else { continue }
            #expect(!body.primary.isEmpty && body.primary.upperBound == bytes.count)
            for distance in 1...2 { if let copy = body.copy(distance: distance) { #expect(!copy.isEmpty && copy.upperBound <= bytes.count) } }
        }
    }

    /// The sender's history copies only the frames of the same KID sent exactly 1 and 2 counters
    /// before, and only as many as fit the capacity.
    @Test func historyCopiesOnlyTheFramesJustBeforeOfTheSameKID() throws {
        let history = RedundantFrameHistory()
        history.depth = 2
        var out = [UInt8](repeating: 0, count: 1024)
        func send(_ frame: [UInt8], keyID: UInt64, counter: UInt64, capacity: Int = 1024) throws -> MediaFrameBody {
            let length = try frame.withUnsafeBufferPointer { f in
                try out.withUnsafeMutableBufferPointer { try history.write(frame: f, keyID: keyID, counter: counter, capacity: capacity, into: $0) }
            }
            let body = try MediaFrameBody.parse(Array(out.prefix(length)))
            #expect(Array(out[body.primary]) == frame)
            return body
        }
        #expect(try send([10], keyID: 1, counter: 0).redundancy == 0)
        let second = try send([11], keyID: 1, counter: 1)
        #expect(second.redundancy == 1 && out[second.copy(distance: 1)!] == [10])
        let third = try send([12, 12], keyID: 1, counter: 2)
        #expect(third.redundancy == 2 && out[third.copy(distance: 1)!] == [11] && out[third.copy(distance: 2)!] == [10])
        // Another KID (a new epoch) starts without copies.
        #expect(try send([20], keyID: 2, counter: 3).redundancy == 0)
        // A skipped counter: the frame before is not c − 1.
        #expect(try send([21], keyID: 2, counter: 5).redundancy == 0)
        // Capacity: header 5 + copies 1 + 1 + frame 3 = 10 does not fit 9; header 3 + 1 + 3 = 7 does.
        _ = try send([22], keyID: 2, counter: 6)
        #expect(try send([23, 23, 23], keyID: 2, counter: 7, capacity: 9).redundancy == 1)
        history.depth = 0
        #expect(try send([24], keyID: 2, counter: 8).redundancy == 0)
        #expect(throws: ParlorProtocolError.self) { try send([1, 2, 3], keyID: 2, counter: 9, capacity: 3) }
    }
}
