import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

@Suite struct OpusCodecTests {
    /// A 440 Hz tone with some harmonics: energy Opus must keep.
    static func tone(samples: Int, start: Int = 0) -> [Int16] {
        (0..<samples).map { i in
            let t = Double(start + i) / 48_000
            let v = 0.3 * sin(2 * .pi * 440 * t) + 0.1 * sin(2 * .pi * 880 * t)
            return Int16(v * 32_767)
        }
    }

    static func energy(_ pcm: [Int16]) -> Double {
        pcm.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(pcm.count, 1))
    }

    @Test func oneFrameEncodesAndDecodes() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        #expect(encoder.bitrate == 32_000)
        var decoded: [Int16] = []
        // A few frames let the codec settle; compare the energy of the last one.
        for f in 0..<5 {
            let packet = try encoder.encode(Self.tone(samples: 960, start: f * 960))
            #expect(packet.count == 80, "CBR at 32 kbit/s and 20 ms is 80 bytes, got \(packet.count)")
            decoded = try decoder.decode(packet)
            #expect(decoded.count == 960)
        }
        let ratio = Self.energy(decoded) / Self.energy(Self.tone(samples: 960))
        #expect(ratio > 0.5 && ratio < 2, "energy ratio \(ratio)")
    }

    @Test func concealmentFillsALostFrame() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        for f in 0..<5 { _ = try decoder.decode(try encoder.encode(Self.tone(samples: 960, start: f * 960))) }
        let concealed = try decoder.decode(nil)
        #expect(concealed.count == 960)
        #expect(Self.energy(concealed) > 0.05 * Self.energy(Self.tone(samples: 960)), "PLC should continue the tone, not fall silent")
    }

    @Test func tenMillisecondFramesHaveHalfTheSamples() throws {
        let settings = OpusSettings(frameMilliseconds: 10)
        let encoder = try OpusEncoder(settings: settings)
        let packet = try encoder.encode(Self.tone(samples: 480))
        #expect(packet.count == 40)
        #expect(try OpusDecoder(frameSamples: 480).decode(packet).count == 480)
    }

    /// CBR packets are `bitrate × 20 ms / 8` bytes across the allowed range; outside it is refused.
    @Test func bitRatesFromSixteenToSixtyFourKilobits() throws {
        for (bitrate, bytes) in [(Int32(16_000), 40), (32_000, 80), (64_000, 160)] {
            let encoder = try OpusEncoder(settings: OpusSettings(bitrate: bitrate))
            #expect(encoder.bitrate == bitrate)
            #expect(try encoder.encode(Self.tone(samples: 960)).count == bytes)
        }
        #expect(throws: OpusError.self) { try OpusEncoder(settings: OpusSettings(bitrate: 64_001)) }
        #expect(throws: OpusError.self) { try OpusEncoder(settings: OpusSettings(bitrate: 15_999)) }
    }

    /// The expected-loss setting follows measured loss: none on a clean line, the lossy-line
    /// setting once there is loss, however much; and once set, in-band FEC really changes what
    /// is sent.
    @Test func expectedLossFollowsMeasuredLossAndSwitchesFECOn() throws {
        let encoder = try OpusEncoder()
        #expect(encoder.expectedLossPercent == 0)
        try encoder.adapt(toMeasuredLoss: 0.001)
        #expect(encoder.expectedLossPercent == 0)
        try encoder.adapt(toMeasuredLoss: 0.02)
        #expect(encoder.expectedLossPercent == OpusSettings.lossyLineExpectedLoss)
        try encoder.adapt(toMeasuredLoss: 0.4)
        #expect(encoder.expectedLossPercent == OpusSettings.lossyLineExpectedLoss)
        try encoder.adapt(toMeasuredLoss: 0)
        #expect(encoder.expectedLossPercent == 0)

        // Speech, a clean second, then loss is reported: only the FEC encoder's packets change.
        let speech = try SpeechFixture.samples()
        let withFEC = try OpusEncoder(settings: OpusSettings(inbandFEC: true))
        let withoutFEC = try OpusEncoder(settings: OpusSettings(inbandFEC: false))
        var differing = (clean: 0, lossy: 0)
        for f in 0..<150 {
            if f == 50 {
                try withFEC.adapt(toMeasuredLoss: 0.05)
                try withoutFEC.adapt(toMeasuredLoss: 0.05)
            }
            let frame = Array(speech[f * 960 ..< (f + 1) * 960])
            let differ = try withFEC.encode(frame) != withoutFEC.encode(frame)
            if differ { f < 50 ? (differing.clean += 1) : (differing.lossy += 1) }
        }
        #expect(differing.clean == 0, "with no loss expected FEC sends nothing")
        #expect(differing.lossy > 50, "with loss reported FEC is coded")
    }

    @Test func badInputIsATypedError() throws {
        let encoder = try OpusEncoder()
        #expect(throws: OpusError.self) { try encoder.encode(Self.tone(samples: 1000)) }
        #expect(throws: OpusError.self) { try OpusEncoder(settings: OpusSettings(bitrate: 8_000)) }
        #expect(throws: OpusError.self) { try OpusDecoder().decode([0xFF, 0xFF, 0xFF]) }
    }
}
