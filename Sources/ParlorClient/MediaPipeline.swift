import Foundation
import ParlorAudio
import ParlorCrypto
import ParlorProtocol

/// The media side of a room client, once a frame period (`tick`) and once a packet (`receive`):
///
///     source → Opus encode → auth chunk → SFrame protect → media payload → transmit (UDP or TCP)
///     payload → KID slot = stamped slot? → SFrame unprotect → frame signature check
///             → per-speaker jitter buffer and decoder → mixer → sinks
///
/// Every frame carries a quarter of the speaker's signature over the previous batch of four
/// (docs/PROTOCOL.md §6.4): a `FrameSigner` with this member's key makes them, and one
/// `SpeakerVerification` per speaker KID checks them against the member key the roster gives
/// that slot. Frames play as they arrive; a KID whose batch fails is reported (`audioForged`)
/// and silenced until a later batch of it verifies.
///
/// It knows members only by slot and id, keys only through `SFrameKeyring`, and sockets only
/// through the `transmit` closure, so tests can run it with no network. Talking indicators come
/// from each speaker's level after decryption, never from anything the relay could see.
/// One lock guards the state: the receive thread and the clock thread both take it briefly.
final class MediaPipeline: @unchecked Sendable {
    struct Configuration {
        var settings = OpusSettings()
        var jitter: JitterBuffer.Configuration?
        var source: (any FrameSource)?
        var mixSinks: [any FrameSink] = []
        /// One WAV per speaker and the mix, on one timeline (`RoomRecorder`).
        var perSpeakerDirectory: String?
        /// False: packets are counted but not decoded (a listener that only follows events).
        var decode = true
        /// Every verified frame as received, before decoding.
        var receivedFrames: (any ReceivedFrameSink)?
        /// Let Opus FEC follow loss: the larger of what this client measures on what it hears
        /// and what its listeners report through the relay; false keeps the setting.
        var adaptiveFEC = true
    }

    /// What this client may send as: its slot and box key in the current epoch.
    struct Sending: Equatable {
        let keyID: UInt64
        let slot: UInt16
    }

    /// Ticks of quiet before a speaker counts as stopped (300 ms at 20 ms).
    static let speakingHangoverTicks = 15
    /// Ticks between two FEC adaptations (2 s at 20 ms).
    static let fecAdaptationTicks = 100

    private struct Speaker {
        let stream: SpeakerStream
        let member: MemberID
    }

    /// A stage member as the roster gives its slot.
    private struct StageMember {
        let id: MemberID
        let key: [UInt8]
    }

    private let configuration: Configuration
    private let lock = NSLock()
    private var keyring: SFrameKeyring
    private let encoder: OpusEncoder
    private let frame: UnsafeMutableBufferPointer<Int16>
    private let mixed: UnsafeMutableBufferPointer<Int16>
    /// `auth chunk ‖ Opus frame`: the SFrame plaintext this client sends.
    private let packet: UnsafeMutableBufferPointer<UInt8>
    private let signer: FrameSigner
    private let mixer: Mixer
    private var speakers: [UInt64: Speaker] = [:]
    private var verifications: [UInt64: SpeakerVerification] = [:]
    private var members: [UInt16: StageMember] = [:]
    private var sending: Sending?
    private var talking: [MemberID: Int] = [:]
    /// Each speaker's playback gain as the listener set it (1 when never set).
    private var gains: [MemberID: Float] = [:]
    private let recorder: RoomRecorder?
    private var ticks = 0
    /// Frames heard and lost at the last FEC adaptation.
    private var lossMark = (heard: 0, lost: 0)
    /// The share of frames lost among those due in the last adaptation window (nil: none due).
    private var heardLoss: Double?
    /// The loss the room's listeners report through the relay (a fraction), and when it came.
    private var listenersLoss: (fraction: Double, at: Int64)?
    /// How long a listeners' figure counts: a few keepalive answers (they come every 2 s).
    static let listenersLossFreshness: Int64 = 10_000_000_000
    private var micLevel = LevelMeter()
    private(set) var statistics = MediaStatistics()

    /// Sends an encoded media payload; set by the client.
    var transmit: @Sendable ([UInt8]) -> Void = { _ in }
    /// A member started (true) or stopped (false) talking.
    var speaking: @Sendable (MemberID, Bool) -> Void = { _, _ in }
    /// Frames under a member's KID carried a batch whose signature does not verify under its
    /// member key: someone else (another member who knows the epoch secret, with the relay's
    /// help) spoke as it. Its frames are silenced until a later batch verifies.
    var audioForged: @Sendable (MemberID) -> Void = { _ in }
    /// A member's frames have arrived for 5 s without one batch verifying (a relay dropping
    /// frames so that no batch is whole can make forged audio unverifiable). Not silenced:
    /// heavy loss does the same.
    var audioUnverified: @Sendable (MemberID) -> Void = { _ in }

    /// A pipeline that signs what it sends with `signingKey`, this client's member key in the
    /// room (`RoomIdentity.memberKey`, the key in its roster entry).
    init(configuration: Configuration, suite: SFrameSuite, signingKey: Ed25519SigningKey) throws {
        self.configuration = configuration
        keyring = try SFrameKeyring(suite: suite)
        signer = FrameSigner(signingKey: signingKey)
        encoder = try OpusEncoder(settings: configuration.settings)
        let samples = configuration.settings.frameSamples
        frame = .allocate(capacity: samples)
        frame.initialize(repeating: 0)
        mixed = .allocate(capacity: samples)
        mixed.initialize(repeating: 0)
        packet = .allocate(capacity: FrameAuthentication.chunkLength + OpusSettings.maxPacketBytes)
        packet.initialize(repeating: 0)
        mixer = Mixer(frameSamples: samples)
        recorder = try configuration.perSpeakerDirectory.map { try RoomRecorder(folder: $0, frameSamples: samples) }
    }

    deinit {
        frame.deallocate()
        mixed.deallocate()
        packet.deallocate()
    }

    /// Installs the keys and the stage after a change in the room: who may be heard (by slot),
    /// and what this client sends as (nil: it stays silent — a listener, muted, or without a key).
    func configure(epochs: EpochKeys, stage: [Participant], sending: Sending?, me: Participant?) {
        lock.withLock {
            var senders = stage.map { SFrameKeyring.Sender(slot: $0.slot, boxKey: $0.boxKey) }
            if let me { senders.append(SFrameKeyring.Sender(slot: me.slot, boxKey: me.boxKey)) }
            keyring.update(epochs: epochs, senders: senders)
            members = Dictionary(stage.map { ($0.slot, StageMember(id: $0.id, key: $0.key)) }, uniquingKeysWith: { a, _ in a })
            self.sending = sending
            for (keyID, speaker) in speakers where members[UInt16(truncatingIfNeeded: keyID)]?.id != speaker.member {
                speakers[keyID] = nil
            }
            for (keyID, verification) in verifications where members[UInt16(truncatingIfNeeded: keyID)]?.id != verification.member {
                verifications[keyID] = nil
            }
        }
    }

    // MARK: - Receiving

    /// A media payload from the relay (by UDP or inside `media_over_tcp`), already hop-decrypted.
    ///
    /// In order: the payload's layout; the KID's slot against the slot the relay stamped (a
    /// member's frames under another's KID are dropped here); SFrame (counter below 2^62, not
    /// replayed, tag); the auth chunk; then the speaker's signature check, which may withhold it.
    func receive(_ bytes: [UInt8], arrival: Int64) {
        lock.withLock {
            statistics.packetsReceived += 1
            guard let payload = try? MediaPayload.decode(bytes), let (clear, _) = try? SFrameHeader.decode(payload.sframe) else {
                statistics.packetsRejected += 1
                return
            }
            let slot = UInt16(truncatingIfNeeded: clear.keyID)
            guard slot == payload.senderSlot else {
                statistics.packetsRejected += 1
                statistics.slotMismatches += 1
                return
            }
            let header: SFrameHeader, plaintext: [UInt8]
            do {
                (header, plaintext) = try keyring.unprotect(payload.sframe)
            } catch CryptoError.counterOutOfRange {
                statistics.packetsRejected += 1
                statistics.countersOutOfRange += 1
                return
            } catch {
                statistics.packetsRejected += 1
                return
            }
            guard let (chunk, opus) = FrameAuthentication.split(plaintext) else {
                statistics.packetsRejected += 1
                return
            }
            guard let member = members[slot] else { return }
            guard verify(keyID: header.keyID, counter: header.counter, member: member, chunk: chunk, opus: opus, arrival: arrival) else {
                statistics.framesWithheld += 1
                return
            }
            if let tap = configuration.receivedFrames {
                opus.withUnsafeBufferPointer { tap.received(speaker: member.id.text, keyID: header.keyID, counter: header.counter, opus: $0, arrival: arrival) }
            }
            guard configuration.decode else { return }
            if speakers[header.keyID] == nil {
                guard let stream = try? SpeakerStream(settings: configuration.settings, jitter: configuration.jitter) else { return }
                stream.gain = gains[member.id] ?? 1
                speakers[header.keyID] = Speaker(stream: stream, member: member.id)
            }
            opus.withUnsafeBufferPointer { _ = speakers[header.keyID]!.stream.receive(sequence: header.counter, payload: $0, arrival: arrival) }
        }
    }

    /// Feeds a frame to its KID's signature check; returns whether it may play.
    private func verify(keyID: UInt64, counter: UInt64, member: StageMember, chunk: ArraySlice<UInt8>,
                        opus: ArraySlice<UInt8>, arrival: Int64) -> Bool {
        if verifications[keyID] == nil {
            guard let verification = try? SpeakerVerification(member: member.id, keyID: keyID, memberKey: member.key,
                                                                arrival: arrival) else { return false }
            verifications[keyID] = verification
        }
        let check = chunk.withUnsafeBufferPointer { chunk in
            opus.withUnsafeBufferPointer { opus in
                verifications[keyID]!.receive(counter: counter, chunk: chunk, opus: opus, arrival: arrival)
            }
        }
        statistics.batchesVerified += check.resolutions.verified
        statistics.batchesUnverifiable += check.resolutions.unverifiable
        statistics.batchesForged += check.resolutions.forged
        if check.forged { audioForged(member.id) }
        if check.unverified {
            statistics.unverifiedReports += 1
            audioUnverified(member.id)
        }
        return check.play
    }

    /// Plays `member` at `gain` (1 as sent, 0 silent) from now on, also after it leaves and
    /// returns to the stage.
    func setVolume(_ gain: Float, for member: MemberID) {
        lock.withLock {
            gains[member] = gain
            for speaker in speakers.values where speaker.member == member { speaker.stream.gain = gain }
        }
    }

    // MARK: - The frame clock

    /// One frame period: send this client's frame, play everyone else's.
    func tick(now: Int64) {
        lock.withLock {
            ticks += 1
            sendFrame()
            playFrame(now: now)
            if ticks % Self.fecAdaptationTicks == 0 { adaptFEC(now: now) }
        }
    }

    private func sendFrame() {
        // A file waits for the stage; a microphone's ring keeps only its newest frames meanwhile.
        guard let sending, let source = configuration.source, source.read(into: frame) else { return }
        micLevel.measure(UnsafeBufferPointer(frame))
        do {
            let chunkLength = FrameAuthentication.chunkLength
            let opus = UnsafeMutableBufferPointer(rebasing: packet[chunkLength...])
            let length = try encoder.encode(UnsafeBufferPointer(frame), into: opus)
            let counter = try keyring.nextCounter(keyID: sending.keyID)
            signer.authenticate(keyID: sending.keyID, counter: counter,
                                opus: UnsafeBufferPointer(rebasing: opus[..<length]),
                                chunk: UnsafeMutableBufferPointer(rebasing: packet[..<chunkLength]))
            let sframe = try keyring.protect(Array(packet.prefix(chunkLength + length)), keyID: sending.keyID)
            transmit(try MediaPayload(senderSlot: sending.slot, sframe: sframe).encoded())
            statistics.packetsSent += 1
        } catch {
            statistics.sendErrors += 1
        }
    }

    private func playFrame(now: Int64) {
        mixer.begin()
        var heard: [MemberID: (level: LevelMeter, frame: UnsafeBufferPointer<Int16>)] = [:]
        for speaker in speakers.values {
            let rendered = speaker.stream.render(now: now)
            mixer.add(rendered, gain: speaker.stream.gain)
            if heard[speaker.member] == nil || speaker.stream.level.isTalking {
                heard[speaker.member] = (speaker.stream.level, rendered)
            }
        }
        mixer.finish(into: mixed)
        for sink in configuration.mixSinks { sink.write(UnsafeBufferPointer(mixed)) }
        if let recorder {
            for (member, output) in heard { try? recorder.record(speaker: member.text, output.frame) }
            try? recorder.recordMix(UnsafeBufferPointer(mixed))
        }
        updateTalking(heard.mapValues(\.level))
    }

    private func updateTalking(_ levels: [MemberID: LevelMeter]) {
        for (member, level) in levels where level.isTalking {
            if talking[member] == nil { speaking(member, true) }
            talking[member] = 0
        }
        for (member, quiet) in talking where levels[member]?.isTalking != true {
            if quiet + 1 >= Self.speakingHangoverTicks {
                talking[member] = nil
                speaking(member, false)
            } else {
                talking[member] = quiet + 1
            }
        }
        statistics.levels = levels.mapValues(\.rms)
        statistics.micLevel = micLevel.rms
        statistics.jitterDelayMilliseconds = speakers.values.map { Double($0.stream.jitter.target) / 1e6 }.max() ?? 0
        statistics.lostFrames = speakers.values.reduce(0) { $0 + $1.stream.jitter.counters.lost }
        statistics.recoveredFrames = speakers.values.reduce(0) { $0 + $1.stream.jitter.counters.recoveredByFEC }
    }

    /// Every 2 s: measures the loss on what this client heard in the window, then adapts FEC.
    private func adaptFEC(now: Int64) {
        let heard = speakers.values.reduce(0) { $0 + $1.stream.jitter.counters.received }
        let lost = speakers.values.reduce(0) { $0 + $1.stream.jitter.counters.lost }
        let newHeard = heard - lossMark.heard, newLost = lost - lossMark.lost
        lossMark = (heard, lost)
        heardLoss = newHeard > 0 && newLost >= 0 ? Double(newLost) / Double(newHeard + newLost) : nil
        followLoss(now: now)
    }

    /// With adaptive FEC, prepares Opus FEC for the larger of the loss this client heard and its
    /// listeners' fresh figure (a speaker on a clean line whose listeners lose packets still adds
    /// redundancy). With neither, the setting stays.
    private func followLoss(now: Int64) {
        guard configuration.adaptiveFEC, configuration.settings.inbandFEC else { return }
        let listeners = listenersLoss.flatMap { now - $0.at < Self.listenersLossFreshness ? $0.fraction : nil }
        guard let loss = [heardLoss, listeners].compactMap({ $0 }).max() else { return }
        try? encoder.adapt(toMeasuredLoss: loss)
    }

    /// The loss this client heard in the last window, as its keepalives report it
    /// (`Keepalive.lossFigure`: whole percent, or none when it heard nothing).
    var lossReport: UInt8 {
        lock.withLock { Keepalive.lossFigure(heardLoss) }
    }

    /// The relay passed on the loss the room's listeners report (a fraction, at `at` on the
    /// monotonic clock); FEC follows it at once.
    func listenersReported(loss fraction: Double, at: Int64) {
        lock.withLock {
            listenersLoss = (fraction, at)
            followLoss(now: at)
        }
    }

    /// A snapshot of the counters and levels, for status lines.
    var snapshot: MediaStatistics {
        lock.withLock {
            var snapshot = statistics
            snapshot.fecExpectedLossPercent = Int(encoder.expectedLossPercent)
            return snapshot
        }
    }

    /// Finalises every file.
    func close() {
        lock.withLock {
            for sink in configuration.mixSinks { sink.close() }
            recorder?.close()
            configuration.receivedFrames?.close(at: MonotonicAudioClock().now())
        }
    }
}
