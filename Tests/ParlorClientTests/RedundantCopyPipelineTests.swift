import Foundation
import ParlorAudio
@testable import ParlorClient
@testable import ParlorCrypto
import ParlorProtocol
import Testing

/// Redundant copies (docs/PROTOCOL.md §6.2) through real `MediaPipeline`s, SFrame and speaker
/// signatures: a speaker sending one copy, a listener missing some of its packets.
@Suite struct RedundantCopyPipelineTests {
    static let frame: Int64 = 20_000_000

    /// The victim of `MediaRoom` speaking with `copies` copies in every packet.
    static func speaker(in room: MediaRoom, copies: Int) throws -> MediaRoom.Member {
        var configuration = MediaPipeline.Configuration()
        configuration.source = ToneSource()
        configuration.redundantFrames = copies
        configuration.adaptiveFEC = false
        let pipeline = try MediaPipeline(configuration: configuration, suite: .chaCha20Poly1305SHA256, signingKey: room.victimKey)
        room.configureSpeaking(pipeline)
        let events = MediaRoom.Events()
        events.attach(to: pipeline)
        return MediaRoom.Member(pipeline: pipeline, events: events, me: room.victim)
    }

    /// Every payload of a stream with copies has one size, the first (which has no frame before
    /// it to copy) too; each carries the frame before it inside SFrame.
    @Test func everyPayloadOfAStreamWithCopiesHasOneSize() throws {
        let room = try MediaRoom()
        let sent = try room.speak(20, through: Self.speaker(in: room, copies: 1))
        #expect(Set(sent.map(\.count)) == [256], "sizes \(Set(sent.map(\.count)))")
        let plain = try room.speak(20, through: room.speaker())
        #expect(Set(plain.map(\.count)) == [128], "without copies: sizes \(Set(plain.map(\.count)))")
        let two = try room.speak(20, through: Self.speaker(in: room, copies: 2))
        #expect(Set(two.map(\.count)) == [256], "two copies at a lower bit rate stay in 256: \(Set(two.map(\.count)))")
    }

    /// Packets 10, 20 and 21 are lost: 10 and 21 are played from the copies that 11 and 22
    /// carry, 20 (whose copy was in the lost 21) is concealed; a replayed packet plays nothing
    /// twice; nothing is forged, and batches with every frame verify.
    @Test func aListenerPlaysLostFramesFromTheNextPacketsCopy() throws {
        let room = try MediaRoom()
        let sent = try room.speak(100, through: Self.speaker(in: room, copies: 1))
        let listener = try room.listener()
        let lost: Set<Int> = [10, 20, 21]
        for tick in 0..<100 {  // not past the last packet: then the stream runs dry
            if tick < sent.count, !lost.contains(tick) {
                listener.pipeline.receive(sent[tick], arrival: Int64(tick) * Self.frame + 5_000_000)
                if tick == 30 { listener.pipeline.receive(sent[tick], arrival: Int64(tick) * Self.frame + 6_000_000) }
            }
            listener.pipeline.tick(now: Int64(tick) * Self.frame + 15_000_000)
        }
        let heard = listener.pipeline.snapshot
        let counters = try #require(listener.pipeline.jitterCounters.first)
        print("copies: lost \(heard.lostFrames), \(heard.redundancyRecoveredFrames) from copies; verified \(heard.batchesVerified), "
              + "unverifiable \(heard.batchesUnverifiable), forged \(heard.batchesForged); rejected \(heard.packetsRejected)")
        #expect(listener.pipeline.jitterCounters.count == 1, "one speaker stream")
        #expect(heard.lostFrames == 3)
        #expect(heard.redundancyRecoveredFrames == 2)
        #expect(counters.received == 97, "the replayed packet never reached the jitter buffer")
        #expect(heard.packetsRejected == 1, "the replay")
        #expect(heard.malformedBodies == 0)
        #expect(heard.batchesForged == 0 && listener.events.forged.isEmpty)
        // Batches 1 and 2 lost frames; 0 and 3–11 verify (20 and 21 carried the second copies of
        // pieces 0 and 1 of batch 1's signature, but batch 1 had lost frame 10 already).
        // 10 came in 11's copy, so batch 1 verifies; batch 2 lost 20 for good. Batches 0, 1 and
        // 3–11 verify, each frame from its packet or its copy.
        #expect(heard.batchesVerified == 11, "batches verify over frames from copies")
        #expect(heard.batchesUnverifiable == 1)
    }

    /// 20 % random loss (seeded, the same each run) over a minute of a speaker sending no, one
    /// and two copies (two is what it sends from 15 % loss, §6.2): frames come from their packets
    /// or from copies, so with copies most batches verify; none is forged, and with two copies
    /// the speaker is never reported unverified. Without copies a batch needs all 8 packets of
    /// its frames (0.8⁸ = 17 %).
    @Test func atTwentyPercentLossMostBatchesVerifyFromCopies() throws {
        var shares: [Double] = []
        for copies in 0...2 {
            let room = try MediaRoom()
            let sent = try room.speak(3_000, through: Self.speaker(in: room, copies: copies))
            let listener = try room.listener()
            var state: UInt64 = 7, lost = 0
            for (index, payload) in sent.enumerated() {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                if Double((state &* 2_685_821_657_736_338_717) >> 11) / Double(UInt64(1) << 53) < 0.2 {
                    lost += 1
                    continue
                }
                listener.pipeline.receive(payload, arrival: Int64(index) * Self.frame)
            }
            let heard = listener.pipeline.snapshot
            let share = Double(heard.batchesVerified) / Double(heard.batchesVerified + heard.batchesUnverifiable)
            print(String(format: "20 %% loss, copies: %d; %d of 3000 packets lost; %d batches verified, %d unverifiable (%.1f %%)",
                         copies, lost, heard.batchesVerified, heard.batchesUnverifiable, 100 * share))
            #expect(lost > 540 && lost < 660)
            #expect(heard.batchesForged == 0 && listener.events.forged.isEmpty)
            if copies == 2 { #expect(listener.events.unverified.isEmpty && heard.unverifiedReports == 0) }
            shares.append(share)
        }
        #expect(shares[1] >= 0.6 && shares[2] >= 0.75, "verified shares \(shares)")
    }

    /// A member who knows the victim's sender key, with the relay's help, sends packet 20 ahead
    /// of the victim with a copy of frame 19 that is not the victim's: the two versions of 19
    /// differ, so the listener reports a forgery at once and plays neither packet 20 nor what
    /// follows until a later batch verifies.
    @Test func aCopyThatContradictsItsFrameIsAForgery() throws {
        let room = try MediaRoom()
        let sent = try room.speak(60, through: Self.speaker(in: room, copies: 1))
        let listener = try room.listener()
        let forger = try room.forger()
        for counter in 0..<20 { listener.pipeline.receive(sent[counter], arrival: Int64(counter) * Self.frame) }
        #expect(listener.pipeline.snapshot.batchesVerified == 2 && listener.events.forged.isEmpty)
        let body = try MediaFrameBody.encode(frame: [UInt8](repeating: 0x33, count: 80), copies: [[UInt8](repeating: 0x44, count: 80)])
        let sframe = try forger.context.protect([UInt8](repeating: 0, count: FrameAuthentication.chunkLength) + body,
                                                keyID: room.victimKeyID, counter: 20, metadata: [])
        listener.pipeline.receive(try MediaPayload(senderSlot: room.victim.slot, sframe: sframe).encoded(), arrival: 20 * Self.frame)
        var heard = listener.pipeline.snapshot
        #expect(listener.events.forged == [room.victim.id], "reported on the packet that contradicts frame 19")
        #expect(heard.batchesForged == 1 && heard.framesWithheld == 1)
        for counter in 20..<60 { listener.pipeline.receive(sent[counter], arrival: Int64(counter) * Self.frame) }
        heard = listener.pipeline.snapshot
        #expect(heard.packetsRejected == 1, "the victim's own packet 20 came second")
        // Batch 2 (frames 16–23) was forged once, by the contradiction. Batch 3 verifies at
        // frame 35, and the victim plays again from there: frames 21–34 withheld with 20.
        #expect(heard.batchesForged == 1)
        #expect(heard.framesWithheld == 15)
    }

    /// A body the speaker's SFrame key sealed but that is malformed (a member who knows the key,
    /// or a broken sender) is dropped and counted, never played.
    @Test func aMalformedBodyIsDroppedAndCounted() throws {
        let room = try MediaRoom()
        let forger = try room.forger()
        let listener = try room.listener()
        for (counter, body) in [[UInt8]]([[3, 0, 1, 7, 7], [1, 0, 0, 7], [1, 0, 9, 7], [0], []]).enumerated() {
            let sframe = try forger.context.protect([UInt8](repeating: 0, count: FrameAuthentication.chunkLength) + body,
                                                    keyID: room.victimKeyID, counter: UInt64(counter), metadata: [])
            listener.pipeline.receive(try MediaPayload(senderSlot: room.victim.slot, sframe: sframe).encoded(), arrival: 0)
        }
        listener.pipeline.tick(now: 100_000_000)
        let heard = listener.pipeline.snapshot
        #expect(heard.malformedBodies == 4, "the empty plaintext after the chunk is refused before the body")
        #expect(heard.packetsRejected == 5)
        #expect(listener.pipeline.jitterCounters.isEmpty, "nothing reached a jitter buffer")
    }
}
