import Foundation
import ParlorAudio
@testable import ParlorClient
@testable import ParlorCrypto
import ParlorProtocol
import Testing

/// Issue #14 on the media path, through real `MediaPipeline`s and real libsodium: a victim on
/// stage speaks, a listener hears, and another stage member who knows the epoch secret tries to
/// speak as the victim — with the relay's help (stamping the victim's slot) or without it.
@Suite struct MediaAuthenticationTests {
    static let frame: Int64 = 20_000_000

    @Test func everyBatchVerifiesAndEveryPayloadFillsTheSmallestBucket() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(80)
        #expect(spoken.allSatisfy { $0.count == 128 }, "sizes \(Set(spoken.map(\.count)))")
        // 4 + header + 16 + 1 (the frame body's count of copies) + 80 + 16 stays within 128 for a
        // header of up to 11 bytes: epochs below 2^16 and 2^32 frames (2.7 years at 50 a second).
        let worst = SFrameHeader(keyID: SFrameContext.keyID(epoch: 0xffff, senderSlot: 0xfffe), counter: 0xffff_ffff).encoded.count
        #expect(4 + worst + FrameAuthentication.chunkLength + MediaFrameBody.headerLength(redundancy: 0) + 80 + 16 <= 128)
        let listener = try room.listener()
        for (index, payload) in spoken.enumerated() { listener.pipeline.receive(payload, arrival: Int64(index) * Self.frame) }
        let heard = listener.pipeline.snapshot
        #expect(heard.batchesVerified == 9)
        #expect(heard.batchesForged == 0 && heard.framesWithheld == 0 && heard.packetsRejected == 0)
        #expect(listener.events.forged.isEmpty && listener.events.unverified.isEmpty)
    }

    /// The relay-assisted forgery: a member derives the victim's sender key from the epoch secret,
    /// protects its own frames under the victim's KID with counters the victim is about to use,
    /// and the relay stamps the victim's slot and delivers them first. SFrame accepts them; the
    /// victim's signature over the batch does not cover them.
    @Test func aForgedFrameUnderAnotherMembersKeyIDIsCaughtWithinTwoBatchesAndSilenced() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(160)
        let listener = try room.listener()
        var forger = try room.forger()
        var detectedAt: UInt64?
        var forgedPlayedAfterDetection = 0
        for counter in UInt64(0)..<160 {
            let arrival = Int64(counter) * Self.frame
            // From frame 18 to 119, one frame in each batch is the forger's.
            if (18..<120).contains(counter), counter % 8 == 2 {
                let before = listener.pipeline.snapshot.framesWithheld
                listener.pipeline.receive(try forger.frame(counter: counter, stampedSlot: room.victim.slot), arrival: arrival)
                if detectedAt != nil, listener.pipeline.snapshot.framesWithheld == before { forgedPlayedAfterDetection += 1 }
            }
            listener.pipeline.receive(spoken[Int(counter)], arrival: arrival)
            if detectedAt == nil, !listener.events.forged.isEmpty { detectedAt = counter }
        }
        // The first forged frame, 18, is in batch 2 and carries piece 2 of batch 1's signature
        // (its first copy): batch 1 fails as soon as batch 2's first four frames are in (frame
        // 19), batch 2 at frame 27.
        #expect(detectedAt == 19)
        #expect(listener.events.forged == [room.victim.id], "reported once until a batch verifies")
        #expect(forgedPlayedAfterDetection == 0)
        let heard = listener.pipeline.snapshot
        #expect(heard.batchesForged == 14, "batches 1–14 hold a forged frame or piece")
        #expect(heard.packetsRejected == 13, "the victim's own frames 18, 26, … 114 came second: replays")
        // Batch 0 verified; once the forger stops, batch 15 verifies at frame 131 and the victim
        // plays again; batches 16–18 verify too.
        #expect(heard.batchesVerified == 1 + 4)
        #expect(heard.framesWithheld == 131 - 19, "one accepted frame for each counter 19–130")
    }

    /// A forger (with the relay's help) sends one frame of the victim's KID 4 batches ahead, whose
    /// batch takes the ring slot of the batch the victim is in; its own frames for the rest of
    /// that batch could then no longer be checked. They do not play, and the far frame's batch
    /// fails once the victim's frames and pieces for it are in.
    @Test func aFrameFarAheadCannotPushABatchOutOfTheChecks() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(80)
        let listener = try room.listener()
        var forger = try room.forger()
        for counter in 0..<20 { listener.pipeline.receive(spoken[counter], arrival: Int64(counter) * Self.frame) }
        // Batch 2 (frames 16–23) is half in; frame 48 is in batch 6, which takes batch 2's slot.
        listener.pipeline.receive(try forger.frame(counter: 48, stampedSlot: room.victim.slot), arrival: 20 * Self.frame)
        #expect(listener.pipeline.snapshot.batchesUnverifiable == 1, "batch 2 pushed out")
        for counter: UInt64 in 20..<24 {
            listener.pipeline.receive(try forger.frame(counter: counter, stampedSlot: room.victim.slot), arrival: Int64(counter) * Self.frame)
        }
        #expect(listener.pipeline.snapshot.framesWithheld == 4, "the forger's frames 20–23 are not played")
        for counter in 20..<80 { listener.pipeline.receive(spoken[counter], arrival: Int64(counter) * Self.frame) }
        let heard = listener.pipeline.snapshot
        #expect(heard.packetsRejected == 5, "the victim's own 20–23 and 48 came second")
        #expect(heard.batchesForged >= 1 && listener.events.forged == [room.victim.id], "batch 6 holds the forger's frame 48")
    }

    /// An honest relay stamps the slot of whoever sent: a member's frame under another KID is
    /// dropped before SFrame, so it cannot play nor move the victim's counter on.
    @Test func aKeyIDWhoseSlotIsNotTheStampedSlotIsDropped() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(80)
        let listener = try room.listener()
        var forger = try room.forger()
        for counter in 0..<40 { listener.pipeline.receive(spoken[counter], arrival: Int64(counter) * Self.frame) }
        // Far ahead: past the replay window, it would make every later frame of the victim too old.
        listener.pipeline.receive(try forger.frame(counter: 40 + 2 * ReplayWindow.windowSize, stampedSlot: room.forgerSlot),
                                  arrival: 40 * Self.frame)
        for counter in 40..<80 { listener.pipeline.receive(spoken[counter], arrival: Int64(counter) * Self.frame) }
        let heard = listener.pipeline.snapshot
        #expect(heard.slotMismatches == 1)
        #expect(heard.packetsRejected == 1)
        #expect(heard.batchesVerified == 9)
    }

    /// Counters from 2^62 are malformed: counted and dropped before SFrame's window.
    @Test func countersFromTwoToTheSixtyTwoAreCountedAndDropped() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(24)
        let listener = try room.listener()
        var forger = try room.forger()
        for counter: UInt64 in [1 << 62, UInt64.max - 10, UInt64.max] {
            listener.pipeline.receive(try forger.frame(counter: counter, stampedSlot: room.victim.slot), arrival: 0)
        }
        for (index, payload) in spoken.enumerated() { listener.pipeline.receive(payload, arrival: Int64(index) * Self.frame) }
        listener.pipeline.tick(now: 24 * Self.frame)
        let heard = listener.pipeline.snapshot
        #expect(heard.countersOutOfRange == 3 && heard.packetsRejected == 3)
        #expect(heard.batchesVerified == 2)
    }

    @Test func lossMakesBatchesUnverifiableButNeverForged() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(1_000)
        let listener = try room.listener()
        var random = SystemRandomNumberGenerator()
        for (index, payload) in spoken.enumerated() where Double.random(in: 0..<1, using: &random) >= 0.3 {
            listener.pipeline.receive(payload, arrival: Int64(index) * Self.frame)
        }
        let heard = listener.pipeline.snapshot
        #expect(heard.batchesForged == 0 && heard.framesWithheld == 0)
        #expect(heard.batchesUnverifiable > 100)
        #expect(listener.events.forged.isEmpty)
    }

    /// A relay that drops the last frame of every batch leaves nothing to verify: after 5 s of
    /// such frames the speaker is reported, once, and still played.
    @Test func fiveSecondsWithoutAVerifiedBatchAreReportedNotSilenced() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(400)
        let listener = try room.listener()
        var reportedAt: Int?
        for (index, payload) in spoken.enumerated() where index % 8 != 7 {
            listener.pipeline.receive(payload, arrival: Int64(index) * Self.frame)
            if reportedAt == nil, !listener.events.unverified.isEmpty { reportedAt = index }
        }
        #expect(reportedAt == 250, "5 s of 20 ms frames")
        #expect(listener.events.unverified == [room.victim.id])
        let heard = listener.pipeline.snapshot
        #expect(heard.batchesVerified == 0 && heard.batchesForged == 0 && heard.framesWithheld == 0)
        #expect(heard.unverifiedReports == 1)
    }

    @Test func aReplayedFrameIsRejectedAlsoAfterFakeRosterChurn() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(30)
        let listener = try room.listener()
        for counter in 0..<20 { listener.pipeline.receive(spoken[counter], arrival: Int64(counter) * Self.frame) }
        listener.pipeline.receive(spoken[5], arrival: 20 * Self.frame)
        #expect(listener.pipeline.snapshot.packetsRejected == 1)
        // The relay announces the victim leaving the stage and coming back: same slot, same box key.
        listener.pipeline.configure(epochs: room.epochs, stage: [room.forgerParticipant], sending: nil, me: listener.me)
        listener.pipeline.configure(epochs: room.epochs, stage: [room.victim, room.forgerParticipant], sending: nil, me: listener.me)
        for counter in 0..<20 { listener.pipeline.receive(spoken[counter], arrival: Int64(20 + counter) * Self.frame) }
        #expect(listener.pipeline.snapshot.packetsRejected == 21)
        for counter in 20..<30 { listener.pipeline.receive(spoken[counter], arrival: Int64(20 + counter) * Self.frame) }
        #expect(listener.pipeline.snapshot.packetsRejected == 21)
    }

    /// This client's own key removed and installed again (the relay says it left the stage and
    /// came back): its counter goes on, so no nonce is used twice, and its batches still verify.
    @Test func theOwnSendCounterNeverGoesBack() throws {
        let room = try MediaRoom()
        let speaker = try room.speaker()
        var sent = try room.speak(10, through: speaker)
        speaker.pipeline.configure(epochs: room.epochs, stage: [room.forgerParticipant], sending: nil, me: nil)
        room.configureSpeaking(speaker.pipeline)
        sent += try room.speak(10, through: speaker)
        let counters = try sent.map { try SFrameHeader.decode(MediaPayload.decode($0).sframe).header.counter }
        #expect(counters == Array(0..<20))
        let listener = try room.listener()
        for (index, payload) in sent.enumerated() { listener.pipeline.receive(payload, arrival: Int64(index) * Self.frame) }
        #expect(listener.pipeline.snapshot.batchesVerified == 2)
    }
}

/// Three stage members in epoch 0 — the victim (slot 2, speaking), a forger (slot 3) — and a
/// listener (slot 4), each with its member key and box key.
struct MediaRoom {
    let secret = SecureRandom.bytes(32)
    let epochs: EpochKeys
    let victimKey = Ed25519SigningKey.generate()
    let victim: Participant
    let forgerSlot: UInt16 = 3
    let forgerParticipant: Participant
    let listenerKey = Ed25519SigningKey.generate()

    init() throws {
        var epochs = EpochKeys()
        let statement = try EpochStatement(roomID: SecureRandom.bytes(32), epoch: 0, secret: secret, recipients: [], signer: .generate())
        epochs.install(epoch: 0, secret: secret, statement: statement)
        self.epochs = epochs
        victim = Participant(key: victimKey.publicKey, boxKey: SecureRandom.bytes(32), role: .speaker, slot: 2)
        forgerParticipant = Participant(key: Ed25519SigningKey.generate().publicKey, boxKey: SecureRandom.bytes(32),
                                        role: .speaker, slot: forgerSlot)
    }

    var victimKeyID: UInt64 { SFrameContext.keyID(epoch: 0, senderSlot: victim.slot) }

    /// A pipeline and what it reported.
    struct Member {
        let pipeline: MediaPipeline
        let events: Events
        let me: Participant
    }

    final class Events: MediaUplink, @unchecked Sendable {
        private let lock = NSLock()
        private var forgedMembers: [MemberID] = []
        private var unverifiedMembers: [MemberID] = []
        private var sentPayloads: [[UInt8]] = []
        var forged: [MemberID] { lock.withLock { forgedMembers } }
        var unverified: [MemberID] { lock.withLock { unverifiedMembers } }
        func takeSent() -> [[UInt8]] { lock.withLock { defer { sentPayloads = [] }; return sentPayloads } }
        func attach(to pipeline: MediaPipeline) {
            pipeline.audioForged = { member in self.lock.withLock { self.forgedMembers.append(member) } }
            pipeline.audioUnverified = { member in self.lock.withLock { self.unverifiedMembers.append(member) } }
            pipeline.uplink = self
        }
        func send(payload: UnsafeRawBufferPointer) -> Bool {
            lock.withLock { sentPayloads.append(Array(payload)) }
            return true
        }
    }

    func listener() throws -> Member {
        let me = Participant(key: listenerKey.publicKey, boxKey: SecureRandom.bytes(32), role: .listener, slot: 4)
        let pipeline = try MediaPipeline(configuration: MediaPipeline.Configuration(), suite: .chaCha20Poly1305SHA256,
                                         signingKey: listenerKey)
        pipeline.configure(epochs: epochs, stage: [victim, forgerParticipant], sending: nil, me: me)
        let events = Events()
        events.attach(to: pipeline)
        return Member(pipeline: pipeline, events: events, me: me)
    }

    /// The victim's pipeline, speaking a tone.
    func speaker() throws -> Member {
        var configuration = MediaPipeline.Configuration()
        configuration.source = ToneSource()
        let pipeline = try MediaPipeline(configuration: configuration, suite: .chaCha20Poly1305SHA256, signingKey: victimKey)
        configureSpeaking(pipeline)
        let events = Events()
        events.attach(to: pipeline)
        return Member(pipeline: pipeline, events: events, me: victim)
    }

    func configureSpeaking(_ pipeline: MediaPipeline) {
        pipeline.configure(epochs: epochs, stage: [forgerParticipant],
                           sending: MediaPipeline.Sending(keyID: victimKeyID, slot: victim.slot), me: victim)
    }

    /// `frames` payloads the victim sends (as the relay forwards them: its slot stamped).
    func speak(_ frames: Int) throws -> [[UInt8]] {
        try speak(frames, through: speaker())
    }

    func speak(_ frames: Int, through speaker: Member) throws -> [[UInt8]] {
        for tick in 0..<frames { speaker.pipeline.tick(now: Int64(tick) * MediaAuthenticationTests.frame) }
        let sent = speaker.events.takeSent()
        #expect(sent.count == frames)
        return sent
    }

    /// The forger: it knows the epoch secret, so it derives the victim's sender key.
    func forger() throws -> Forger {
        var context = try SFrameContext(suite: .chaCha20Poly1305SHA256)
        try context.setKey(RoomKeys.senderKey(epochSecret: secret, senderSlot: victim.slot, boxKey: victim.boxKey), keyID: victimKeyID)
        return Forger(context: context, keyID: victimKeyID, encoder: try OpusEncoder(settings: OpusSettings()))
    }

    struct Forger {
        var context: SFrameContext
        let keyID: UInt64
        let encoder: OpusEncoder

        /// A frame of the forger's own speech under the victim's KID, as a relay stamping
        /// `stampedSlot` forwards it.
        mutating func frame(counter: UInt64, stampedSlot: UInt16) throws -> [UInt8] {
            let pcm = (0..<960).map { Int16(truncatingIfNeeded: ($0 * 7919) % 16_000 - 8_000) }
            let opus = try encoder.encode(pcm)
            let sframe = try context.protect([UInt8](repeating: 0, count: FrameAuthentication.chunkLength) + MediaFrameBody.encode(frame: opus, copies: []),
                                             keyID: keyID, counter: counter, metadata: [])
            return try MediaPayload(senderSlot: stampedSlot, sframe: sframe).encoded()
        }
    }
}

/// A 440 Hz tone, every frame.
final class ToneSource: FrameSource, @unchecked Sendable {
    private var sample = 0

    func read(into frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
        for index in 0..<frame.count {
            frame[index] = Int16(8_000 * sin(2 * Double.pi * 440 * Double(sample) / 48_000))
            sample += 1
        }
        return true
    }
}
