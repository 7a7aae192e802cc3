import Testing
@testable import ParlorProtocol

@Suite struct ControlPaddingTests {
    @Test func messagesFillTheSmallestBucket() throws {
        for (length, bucket) in [(0, 64), (62, 64), (63, 256), (254, 256), (255, 1024), (4094, 4096), (16382, 16384)] {
            let message = [UInt8](repeating: 0x5a, count: length)
            let padded = try ControlPadding.pad(message)
            #expect(padded.count == bucket)
            #expect(padded[0] == UInt8(length >> 8) && padded[1] == UInt8(length & 0xff))
            #expect(try ControlPadding.unpad(padded) == message)
        }
        #expect(throws: ParlorProtocolError.invalidLength(what: "control message (maximum 16382)", got: 16383)) {
            try ControlPadding.pad([UInt8](repeating: 0, count: 16383))
        }
    }

    @Test func malformedPaddingIsRejected() throws {
        var padded = try ControlPadding.pad([1, 2, 3])
        #expect(throws: ParlorProtocolError.invalidPadding("63 bytes is not a bucket size")) { try ControlPadding.unpad(padded.dropLast()) }
        padded[63] = 1
        #expect(throws: ParlorProtocolError.invalidPadding("padding is not zeros")) { try ControlPadding.unpad(padded) }
        padded[63] = 0
        padded[0] = 1
        #expect(throws: ParlorProtocolError.invalidPadding("length 259 exceeds the 62 bytes left")) { try ControlPadding.unpad(padded) }
    }
}

@Suite struct ControlFramingTests {
    @Test func framesSurviveAnySplitOfTheStream() throws {
        let messages: [[UInt8]] = [[], [1], [UInt8](repeating: 7, count: 300), [UInt8](repeating: 9, count: 65535)]
        let stream = try messages.flatMap { try ControlFraming.frame($0) }
        #expect(Array(stream.prefix(2)) == [0, 0])
        #expect(Array(stream[3...4]) == [0x00, 0x01] || Array(stream[2...3]) == [0x00, 0x01])
        for chunkSize in [1, 2, 3, 1000, stream.count] {
            var reader = ControlFrameReader()
            var received: [[UInt8]] = []
            var offset = 0
            while offset < stream.count {
                reader.append(stream[offset..<min(offset + chunkSize, stream.count)])
                offset += chunkSize
                while let frame = reader.nextFrame() { received.append(frame) }
            }
            #expect(received == messages)
            #expect(reader.bufferedCount == 0)
        }
        #expect(throws: ParlorProtocolError.invalidLength(what: "Noise message (maximum 65535)", got: 65536)) {
            try ControlFraming.frame([UInt8](repeating: 0, count: 65536))
        }
    }
}
