import Foundation
import ParlorAudio
@testable import ParlorClient
@testable import ParlorCrypto
import Testing

/// A rekey (every join and departure, at most once a second) gives a speaker a new KID mid-speech.
/// The listener carries the speaker's stream on across it — one stream, one jitter buffer, no
/// frame lost or concealed — and forgets the old epoch's KID when the epoch goes.
@Suite struct RekeyContinuityTests {
    static let frame: Int64 = 20_000_000

    @Test func aSpeakersNewKeyIDCarriesItsStreamOn() throws {
        let room = try MediaRoom()
        let next = SecureRandom.bytes(32)
        let both: [UInt64: [UInt8]] = [0: room.secret, 1: next]
        let speaker = try room.speaker()
        let listener = try room.listener()
        for member in [speaker, listener] {
            member.pipeline.configure(secrets: both, stage: [room.victim, room.forgerParticipant],
                                      sending: member.me == room.victim ? MediaPipeline.Sending(keyID: room.victimKeyID, slot: room.victim.slot) : nil,
                                      me: member.me)
        }
        var tick = 0
        func run(_ frames: Int) {
            for _ in 0..<frames {
                let now = Int64(tick) * Self.frame
                speaker.pipeline.tick(now: now)
                for payload in speaker.events.takeSent() { listener.pipeline.receive(payload, arrival: now + 1_000_000) }
                listener.pipeline.tick(now: now + 5_000_000)
                tick += 1
            }
        }
        run(100)
        // The speaker moves to epoch 1 mid-speech; its counters start again under the new KID.
        speaker.pipeline.configure(secrets: both, stage: [room.forgerParticipant],
                                   sending: MediaPipeline.Sending(keyID: SFrameContext.keyID(epoch: 1, senderSlot: room.victim.slot),
                                                                  slot: room.victim.slot), me: room.victim)
        run(100)
        // Then everyone forgets epoch 0.
        listener.pipeline.configure(secrets: [1: next], stage: [room.victim, room.forgerParticipant], sending: nil, me: listener.me)
        run(50)
        let counters = listener.pipeline.jitterCounters
        #expect(counters.count == 1, "one stream for the speaker, not one per KID: \(counters.count)")
        let stream = try #require(counters.first)
        print("across a rekey: \(stream.received) frames received, streams started \(stream.streamsStarted), lost \(stream.lost), concealed \(stream.concealed)")
        #expect(stream.received == 250)
        #expect(stream.streamsStarted == 1, "the rekey started a new stream")
        #expect(stream.lost == 0 && stream.concealed == 0)
        #expect(listener.pipeline.snapshot.packetsRejected == 0)
    }
}

/// A period whose length does not divide the Opus frame (an engine set up for another frame
/// size) is played as silence and counted, never misread.
@Suite struct MisshapenPeriodTests {
    @Test func aPeriodThatDoesNotDivideTheFrameIsSilenceAndCounted() throws {
        let room = try MediaRoom()
        let listener = try room.listener()
        var play = [Int16](repeating: 1, count: 700)
        play.withUnsafeMutableBufferPointer { listener.pipeline.period(captured: nil, play: $0, now: 0) }
        #expect(play.allSatisfy { $0 == 0 })
        #expect(listener.pipeline.snapshot.misshapenPeriods == 1)
        var fine = [Int16](repeating: 1, count: 480)
        fine.withUnsafeMutableBufferPointer { listener.pipeline.period(captured: nil, play: $0, now: 0) }
        #expect(listener.pipeline.snapshot.misshapenPeriods == 1, "half a frame is a period")
    }
}
