import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

/// Ogg Opus recordings: the pure timeline, the packet writer read back by an independent Ogg
/// reader and by opus-tools, and the mix encoder scored by PESQ.
@Suite(.serialized) struct OggOpusTests {
    static let frame = 960

    /// Arrival on the timeline of frame `k` sent in a steady stream, plus `jitter` samples.
    static func at(_ k: Int, jitter: Int64 = 0) -> Int64 { Int64(k * frame) + jitter }

    @Test func timelineFollowsCountersThroughJitterAndLossButArrivalAfterAPause() {
        var timeline = SpeakerTimeline()
        func place(_ counter: UInt64, _ arrival: Int64, key: UInt64 = 1) -> Int64? {
            let start = timeline.start(keyID: key, counter: counter, samples: Self.frame, arrivalSample: arrival)
            if let start { timeline.advance(by: Int(start - timeline.end) + Self.frame) }
            return start
        }
        // First heard at frame 5: the track starts there.
        #expect(place(100, Self.at(5)) == Self.at(5))
        // Jitter (up to 300 ms either way) moves nothing: counters place the frames.
        #expect(place(101, Self.at(6, jitter: 14_000)) == Self.at(6))
        #expect(place(102, Self.at(7, jitter: -9_000)) == Self.at(7))
        // Two frames lost: the next sits two frames later.
        #expect(place(105, Self.at(10)) == Self.at(10))
        // Late or repeated: dropped, the track unchanged.
        #expect(place(104, Self.at(10)) == nil)
        #expect(place(105, Self.at(11)) == nil)
        #expect(timeline.end == Self.at(11))
        // A pause of 3 s (counters stood still): placed where it arrived.
        #expect(place(106, Self.at(161)) == Self.at(161))
        #expect(place(107, Self.at(162)) == Self.at(162))
        // A new key restarts the counters: placed by arrival, never before the track's end.
        #expect(place(0, Self.at(160), key: 2) == Self.at(163))
        #expect(place(1, Self.at(164), key: 2) == Self.at(164))
        // A counter far ahead of the clock (a jump the relay cannot make, a sender's bug) is
        // placed by arrival rather than leaving minutes of silence.
        #expect(place(1_000_000, Self.at(165), key: 2) == Self.at(165))
    }

    /// Packets go to the file byte for byte; the headers follow RFC 7845; granules count samples
    /// with the pre-skip; the last page ends the stream; opusinfo finds nothing wrong.
    @Test func packetWriterKeepsEveryPacketAndOpusToolsAgree() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let speech = try SpeechFixture.samples()
        let encoder = try OpusEncoder()
        var sent: [[UInt8]] = []
        for start in stride(from: 0, to: speech.count - Self.frame, by: Self.frame) {
            sent.append(try encoder.encode(Array(speech[start..<start + Self.frame])))
        }
        let path = dir.path("speaker.opus")
        let writer = try OggOpusPacketWriter(path: path, preSkip: 312, vendor: "Parlor", comments: ["A=b"], serial: 7)
        for packet in sent { try writer.write(packet, samples: Self.frame) }
        writer.close()

        let ogg = try OggPackets(path: path)
        #expect(ogg.packets.count == sent.count + 2)
        #expect(Array(ogg.packets[0].prefix(8)) == Array("OpusHead".utf8) && ogg.packets[0].count == 19)
        #expect(Array(ogg.packets[1].prefix(8)) == Array("OpusTags".utf8))
        #expect(Array(ogg.packets.dropFirst(2)) == sent, "packets as written")
        #expect(ogg.pages[0].headerType == 0x02 && ogg.pages[1].granule == 0, "OpusHead alone on a beginning page")
        #expect(ogg.pages.last?.endOfStream == true)
        #expect(ogg.pages.last?.granule == Int64(sent.count * Self.frame))
        let audioPages = ogg.pages.dropFirst(2)
        let spans = zip(audioPages.dropFirst(), audioPages).map { $0.granule - $1.granule }
        #expect(spans.allSatisfy { $0 <= OggOpusPacketWriter.flushSamples + Int64(Self.frame) }, "a page at least every second: \(spans)")

        let info = try Command.run(["opusinfo", path])
        #expect(!info.stdout.contains("WARNING") && !info.stderr.contains("WARNING"), "\(info.stdout)\(info.stderr)")
        try Command.run(["opusdec", "--quiet", "--rate", "48000", path, dir.path("decoded.wav")])
        let decoded = try WAVReader(path: dir.path("decoded.wav")).samples
        #expect(decoded.count == sent.count * Self.frame - 312, "opusdec plays every sample but the pre-skip")
    }

    /// The mix encoder's file decodes with opusdec to speech that scores like the original.
    @Test func encoderWriterMakesSpeechOpusdecPlays() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let reference = try SpeechFixture.wav().path
        let speech = try WAVReader(path: reference).samples
        let path = dir.path("mix.opus")
        let writer = try OggOpusEncoderWriter(path: path)
        for start in stride(from: 0, to: speech.count - Self.frame, by: Self.frame) {
            try speech[start..<start + Self.frame].withUnsafeBufferPointer { try writer.write($0) }
        }
        writer.close()
        try Command.run(["opusinfo", path])
        try Command.run(["opusdec", "--quiet", "--rate", "48000", path, dir.path("decoded.wav")])
        let pesq = try SpeechScore.pesq(reference: reference, degraded: dir.path("decoded.wav"))
        let bytesPerHour = Double(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int)
            / (Double(speech.count) / 48_000) * 3600
        print("ogg mix: PESQ-WB \(pesq), \(bytesPerHour / 1e6) MB an hour of this speech")
        #expect(pesq > 3.9)
        #expect(bytesPerHour < 20e6)
    }
}
