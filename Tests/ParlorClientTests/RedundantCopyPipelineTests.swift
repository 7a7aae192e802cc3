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
        let sent = try room.speak(60, through: Self.speaker(in: room, copies: 1))
        let listener = try room.listener()
        let lost: Set<Int> = [10, 20, 21]
        for tick in 0..<60 {  // not past the last packet: then the stream runs dry
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
        #expect(counters.received == 57, "the replayed packet never reached the jitter buffer")
        #expect(heard.packetsRejected == 1, "the replay")
        #expect(heard.malformedBodies == 0)
        #expect(heard.batchesForged == 0 && listener.events.forged.isEmpty)
        #expect(heard.batchesVerified >= 9, "batches without a lost frame or chunk verify over bodies with copies")
    }

    /// A body the speaker's SFrame key sealed but that is malformed (a member who knows the key,
    /// or a broken sender) is dropped and counted, never played.
    @Test func aMalformedBodyIsDroppedAndCounted() throws {
        let room = try MediaRoom()
        var forger = try room.forger()
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
