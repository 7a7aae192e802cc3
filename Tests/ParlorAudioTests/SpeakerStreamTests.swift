import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

/// One speaker's receive path: the jitter buffer's decisions carried out by a real Opus decoder.
@Suite struct SpeakerStreamTests {
    static let ms: Int64 = 1_000_000

    /// Packets of a steady tone, as a sender makes them.
    static func packets(_ count: Int) throws -> [[UInt8]] {
        let encoder = try OpusEncoder()
        return try (0..<count).map { try encoder.encode(OpusCodecTests.tone(samples: 960, start: $0 * 960)) }
    }

    /// A stream begins with a linear fade-in of its first frame (exactly the decoder's output
    /// ramped from 0), and ends, when packets stop, with a faded concealment and then silence.
    @Test func fadesInAtTheStartAndOutAtTheEnd() throws {
        let packets = try Self.packets(50)
        let stream = try SpeakerStream()
        var rendered: [[Int16]] = []
        for k in 0..<80 {
            let now = Int64(k) * 20 * Self.ms + 15 * Self.ms
            if k < packets.count {
                _ = packets[k].withUnsafeBufferPointer { stream.receive(sequence: UInt64(k), payload: $0, arrival: now - 5 * Self.ms) }
            }
            rendered.append(Array(stream.render(now: now)))
        }
        let first = try #require(rendered.firstIndex { $0.contains { $0 != 0 } })
        let unfaded = try OpusDecoder().decode(packets[0])
        let ramp = unfaded.indices.map { Int16(Float(unfaded[$0]) * Float($0) / 960) }
        #expect(rendered[first] == ramp, "the first frame is packet 0, faded in")
        #expect(rendered[first + 1] == (try { let d = try OpusDecoder(); _ = try d.decode(packets[0]); return try d.decode(packets[1]) }()),
                "the second frame is packet 1 at full level")

        let last = try #require(rendered.lastIndex { $0.contains { $0 != 0 } })
        #expect(last > first + 40 && last < 79)
        #expect(rendered[last].last == 0, "the fade-out ends at zero")
        #expect(rendered[(last + 1)...].allSatisfy { $0.allSatisfy { $0 == 0 } }, "then silence")
        #expect(stream.jitter.counters.streamsStarted == 1)
    }
}

/// "FEC rebuilt" counts frames the decoder really rebuilt from FEC data, not FEC decodes tried:
/// with FEC off every lost frame is still handed to the decoder's FEC (the next packet was
/// there), which then only conceals.
@Suite struct SpeakerStreamFECCountTests {
    static let ms: Int64 = 1_000_000

    @Test(arguments: [false, true]) func fecCountsOnlyFramesItRebuilt(fec: Bool) throws {
        let speech = try SpeechFixture.samples()
        let encoder = try OpusEncoder(settings: OpusSettings(inbandFEC: fec, expectedLossPercent: fec ? OpusSettings.lossyLineExpectedLoss : 0))
        let stream = try SpeakerStream()
        let frames = min(speech.count / 960, 400)
        let lost = Set(stride(from: 30, to: frames - 5, by: 10))
        var withLBRR = 0
        for k in 0..<frames {
            let now = Int64(k) * 20 * Self.ms + 15 * Self.ms
            let packet = try encoder.encode(Array(speech[k * 960 ..< (k + 1) * 960]))
            if packet.withUnsafeBufferPointer({ OpusPacket.hasLBRR($0) }) { withLBRR += 1 }
            if !lost.contains(k) {
                _ = packet.withUnsafeBufferPointer { stream.receive(sequence: UInt64(k), payload: $0, arrival: now - 5 * Self.ms) }
            }
            _ = stream.render(now: now)
        }
        let counters = stream.jitter.counters
        print("FEC \(fec ? "on" : "off"): \(lost.count) lost, \(counters.fecDecodes) FEC decodes, \(stream.recoveredByFEC) rebuilt; "
              + "\(withLBRR) of \(frames) packets carried FEC data")
        #expect(counters.lost == lost.count)
        #expect(counters.fecDecodes == lost.count, "the next packet was there for every lost frame")
        if fec {
            #expect(withLBRR > frames / 2)
            #expect(stream.recoveredByFEC > lost.count / 2 && stream.recoveredByFEC <= lost.count)
        } else {
            #expect(withLBRR == 0)
            #expect(stream.recoveredByFEC == 0, "nothing to rebuild from: every one was concealed")
        }
    }
}
