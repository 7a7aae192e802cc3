import Foundation
import ParlorAudio
import ParlorCrypto
import ParlorProtocol

/// The media side of a room client: the media loop the audio thread runs once a period
/// (`period`; `tick` without a sound device), fed by the network through an inbox (`deliver`):
///
///     inbox → payload → KID slot = stamped slot? → SFrame unprotect → frame body → frame
///           signature check → per-speaker jitter buffer (the frame, and its redundant copies)
///     captured frame (or source) → Opus encode → frame body (with copies of the frames before
///           it under loss) → auth chunk → SFrame protect → media payload
///           → uplink (hop seal and UDP send, or TCP)
///     jitter buffers → decoders → mixer → the frame to play; mix and speakers → files (off the loop)
///
/// Every frame carries a quarter of the speaker's signature over the previous batch of four
/// (docs/PROTOCOL.md §6.4): a `FrameSigner` with this member's key makes them, and one
/// `SpeakerVerification` per speaker KID checks them against the member key the roster gives
/// that slot. Frames play as they arrive; a KID whose batch fails is reported (`audioForged`)
/// and silenced until a later batch of it verifies.
///
/// It knows members only by slot and id, keys only through `SFrameKeyring`, and sockets only
/// through its `uplink`, so tests can run it with no network. Talking indicators come from each
/// speaker's level after decryption, never from anything the relay could see.
/// One lock guards the state: the loop holds it for its period; the session queue takes it
/// briefly (a roster change, a volume, a snapshot); the network never does (`MediaInbox`).
/// Neither direction allocates once a speaker is known: payloads are parsed and decrypted where
/// they lie, and this client's frame is encoded, signed, protected and framed in buffers made in
/// `init` (`parlor bench audio` counts it).
final class MediaPipeline: AudioPeriodHandler, @unchecked Sendable {
    struct Configuration {
        var settings = OpusSettings()
        var jitter: JitterBuffer.Configuration?
        var source: (any FrameSource)?
        /// Without a source, speak what the audio thread captures (the client was given a sound
        /// card's engine); false: a client without a source never speaks.
        var speaksCaptured = false
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
        /// Echo cancellation, noise suppression and gain control on what the audio thread
        /// captures (`CaptureProcessor`); a file source is left as it is.
        var capture = CaptureProcessor.Settings()
        /// Copies of earlier frames each packet carries (`LossRedundancy`): nil follows loss
        /// along with FEC (with `adaptiveFEC`; without it none), a number holds that many.
        var redundantFrames: Int?
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

    /// A stage member as this client hears it: one stream across the member's KIDs, so that a
    /// rekey (every join and departure, at most once a second) carries the stream on instead of
    /// starting a new one with a new jitter buffer.
    private final class Speaker {
        let stream: SpeakerStream
        let member: MemberID
        let talker: Talker
        let playout = Playout()
        /// The highest sequence its stream was given (each KID's counters mapped by its `Route`).
        var highest: UInt64?

        init(stream: SpeakerStream, member: MemberID, talker: Talker) {
            self.stream = stream
            self.member = member
            self.talker = talker
        }
    }

    /// A KID heard: its member's speaker, and what to add to its SFrame counters to get the
    /// stream's sequence. A member's new KID goes on right after the last frame of its old one.
    private struct Route {
        let speaker: Speaker
        let offset: UInt64
    }

    /// Where a speaker's decoded frame is being played from: a period takes `position..<+period`
    /// of `frame` and moves on; at the frame's end the stream renders its next one.
    private final class Playout {
        var frame = UnsafeBufferPointer<Int16>(start: nil, count: 0)
        /// Samples of `frame` played; a new stream starts with its frame played out.
        var position = Int.max
    }

    /// One stage member as the talking indicator and the recorder see it: its level and what it
    /// played this frame, and whether it shows as talking. It outlives the member's stream until
    /// it has stopped talking. A class, so that a period updates it without touching the
    /// dictionary that holds it.
    private final class Talker {
        let member: MemberID
        var heard = false
        var level = LevelMeter()
        /// What it played this frame, period by period on the mix's timeline (for its recording).
        let played: UnsafeMutableBufferPointer<Int16>
        var talking = false
        var quietTicks = 0
        /// Its frames' tag for the recorder.
        let tag: Int16

        init(member: MemberID, tag: Int16, frameSamples: Int) {
            self.member = member
            self.tag = tag
            played = .allocate(capacity: frameSamples)
            played.initialize(repeating: 0)
        }

        deinit { played.deallocate() }
    }

    /// A stage member as the roster gives its slot.
    private struct StageMember {
        let id: MemberID
        let key: [UInt8]
    }

    private let configuration: Configuration
    private let lock = NSLock()
    private var keyring: SFrameKeyring
    private let suite: SFrameSuite
    private let encoder: OpusEncoder
    /// The captured path's echo canceller and preprocessor (nil: this client speaks a source or nothing).
    private let captureProcessor: CaptureProcessor?
    private let frame: UnsafeMutableBufferPointer<Int16>
    /// The frame's mix, period by period, for the files.
    private let mixed: UnsafeMutableBufferPointer<Int16>
    /// What `tick` plays into (a whole frame: no sound device, one period a frame).
    private let tickFrame: UnsafeMutableBufferPointer<Int16>
    /// What was playing while each period of `frame` was captured — a period is read once it is
    /// over, so the play written the period before — the echo canceller's far-end reference.
    private let reference: UnsafeMutableBufferPointer<Int16>
    /// The last period's play, for `reference`.
    private let lastPlayed: UnsafeMutableBufferPointer<Int16>
    /// Periods of the current frame already run, and whether each brought its capture.
    private var periodInFrame = 0
    private var capturedWhole = true
    /// `auth chunk ‖ frame body`: the SFrame plaintext this client sends.
    private let packet: UnsafeMutableBufferPointer<UInt8>
    /// This period's Opus frame, before it goes into the body.
    private let encoded: UnsafeMutableBufferPointer<UInt8>
    /// The frames sent just before, copied into the next bodies under loss.
    private let history = RedundantFrameHistory()
    /// How many copies each packet carries now, and the payload size that keeps meanwhile.
    private var redundancy: LossRedundancy
    private let tagLength: Int
    /// The media payload this client sends, framed around its SFrame ciphertext in place.
    private let payload: UnsafeMutableRawBufferPointer
    private let signer: FrameSigner
    private let mixer: Mixer
    private var speakers: [MemberID: Speaker] = [:]
    private var routes: [UInt64: Route] = [:]
    /// The same speakers in an array, walked by index once a tick (no iterator, no dictionary).
    private var speakerList: [Speaker] = []
    private var talkers: [MemberID: Talker] = [:]
    private var talkerList: [Talker] = []
    private var verifications: [UInt64: SpeakerVerification] = [:]
    private var members: [UInt16: StageMember] = [:]
    private var sending: Sending?
    /// Each speaker's playback gain as the listener set it (1 when never set).
    private var gains: [MemberID: Float] = [:]
    /// The files the loop's frames go to, written on a thread of their own (nil: none).
    private let outputs: MediaOutputs?
    /// Verified frames as received, on their way to `configuration.receivedFrames` (off the loop).
    private let receivedFrames: ReceivedFrameOutput?
    /// Each speaker's tag in `receivedFrames`, asked for once (its registry takes a lock).
    private var receivedFrameTags: [MemberID: Int16] = [:]
    /// A frame and its tag, on its way to `outputs`.
    private let outputFrame: UnsafeMutableBufferPointer<Int16>
    /// Payloads from the network, waiting for the next period.
    private let inbox = MediaInbox()
    private var closed = false
    private var ticks = 0
    /// Frames heard and lost at the last FEC adaptation.
    private var lossMark = (heard: 0, lost: 0)
    /// The share of frames lost among those due in the last adaptation window (nil: none due).
    private var heardLoss: Double?
    /// The loss the room's listeners report through the relay (a fraction), and when it came.
    private var listenersLoss: (fraction: Double, at: Int64)?
    /// How long a listeners' figure counts: a few keepalive answers (they come every 2 s).
    static let listenersLossFreshness: Int64 = 10_000_000_000
    private var statistics = MediaStatistics()

    /// Where this client's media payloads go (the relay link, by UDP or TCP); nil: nowhere yet.
    /// Called on the media loop with a payload valid for the call only.
    var uplink: (any MediaUplink)? {
        get { lock.withLock { currentUplink } }
        set { lock.withLock { currentUplink = newValue } }
    }
    private var currentUplink: (any MediaUplink)?
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
        self.suite = suite
        signer = FrameSigner(signingKey: signingKey)
        encoder = try OpusEncoder(settings: configuration.settings)
        let samples = configuration.settings.frameSamples
        captureProcessor = configuration.source == nil && configuration.speaksCaptured
            ? CaptureProcessor(frameSamples: samples, sampleRate: Int(OpusSettings.sampleRate), settings: configuration.capture) : nil
        frame = .allocate(capacity: samples)
        frame.initialize(repeating: 0)
        mixed = .allocate(capacity: samples)
        mixed.initialize(repeating: 0)
        tickFrame = .allocate(capacity: samples)
        tickFrame.initialize(repeating: 0)
        reference = .allocate(capacity: samples)
        reference.initialize(repeating: 0)
        lastPlayed = .allocate(capacity: samples)
        lastPlayed.initialize(repeating: 0)
        packet = .allocate(capacity: FrameAuthentication.chunkLength + MediaPayload.maximumLength)
        packet.initialize(repeating: 0)
        encoded = .allocate(capacity: OpusSettings.maxPacketBytes)
        encoded.initialize(repeating: 0)
        tagLength = suite.tagLength
        redundancy = LossRedundancy(depth: configuration.redundantFrames ?? 0, settings: configuration.settings, tagLength: tagLength)
        history.depth = redundancy.depth
        try encoder.setBitrate(redundancy.bitrate)
        payload = .allocate(byteCount: MediaPayload.maximumLength, alignment: 8)
        payload.initializeMemory(as: UInt8.self, repeating: 0)
        mixer = Mixer(frameSamples: samples)
        let recorder = try configuration.perSpeakerDirectory.map { try RoomRecorder(folder: $0, frameSamples: samples) }
        outputs = MediaOutputs(sinks: configuration.mixSinks, recorder: recorder, frameSamples: samples)
        receivedFrames = configuration.receivedFrames.map { ReceivedFrameOutput(sink: $0) }
        outputFrame = .allocate(capacity: samples + 1)
        outputFrame.initialize(repeating: 0)
    }

    deinit {
        frame.deallocate()
        mixed.deallocate()
        tickFrame.deallocate()
        reference.deallocate()
        lastPlayed.deallocate()
        outputFrame.deallocate()
        packet.deallocate()
        encoded.deallocate()
        payload.deallocate()
    }

    /// Installs the keys and the stage after a change in the room: who may be heard (by slot),
    /// and what this client sends as (nil: it stays silent — a listener, muted, or without a key).
    func configure(epochs: EpochKeys, stage: [Participant], sending: Sending?, me: Participant?) {
        configure(secrets: epochs.secrets, stage: stage, sending: sending, me: me)
    }

    /// The same with the epoch secrets by epoch (`EpochKeys.secrets`).
    func configure(secrets: [UInt64: [UInt8]], stage: [Participant], sending: Sending?, me: Participant?) {
        var senders = stage.map { SFrameKeyring.Sender(slot: $0.slot, boxKey: $0.boxKey) }
        if let me { senders.append(SFrameKeyring.Sender(slot: me.slot, boxKey: me.boxKey)) }
        // Derived before the lock: the media loop never waits behind the key schedule.
        let prepared = SFrameKeyring.prepare(secrets: secrets, senders: senders, suite: suite)
        lock.withLock {
            keyring.install(prepared)
            members = Dictionary(stage.map { ($0.slot, StageMember(id: $0.id, key: $0.key)) }, uniquingKeysWith: { a, _ in a })
            self.sending = sending
            // KIDs of epochs no longer held, or whose slot now holds someone else, go; so does a
            // member's stream once none of its KIDs is left.
            func current(_ keyID: UInt64, _ member: MemberID) -> Bool {
                secrets[SFrameContext.epoch(of: keyID)] != nil && members[UInt16(truncatingIfNeeded: keyID)]?.id == member
            }
            for (keyID, route) in routes where !current(keyID, route.speaker.member) { routes[keyID] = nil }
            for (keyID, verification) in verifications where !current(keyID, verification.member) { verifications[keyID] = nil }
            let routed = Set(routes.values.map(\.speaker.member))
            for member in speakers.keys where !routed.contains(member) { speakers[member] = nil }
            listSpeakers()
        }
    }

    /// Rebuilds the lists a tick walks after the speakers changed; a member no stream is left
    /// for stays only until it has stopped talking.
    private func listSpeakers() {
        speakerList = Array(speakers.values)
        let heard = Set(speakerList.map(\.member))
        for (member, talker) in talkers where !heard.contains(member) && !talker.talking { talkers[member] = nil }
        talkerList = Array(talkers.values)
    }

    // MARK: - Receiving

    /// A media payload from the relay (by UDP or inside `media_over_tcp`), already hop-decrypted,
    /// decrypted here where it lies (the caller's buffer is overwritten). Allocates nothing.
    ///
    /// In order: the payload's layout; the KID's slot against the slot the relay stamped (a
    /// member's frames under another's KID are dropped here); SFrame (counter below 2^62, not
    /// replayed, tag); the auth chunk; then the speaker's signature check, which may withhold it.
    func receive(_ bytes: UnsafeMutableRawBufferPointer, arrival: Int64) {
        lock.withLock { receiveLocked(bytes, arrival: arrival) }
    }

    /// Queues a payload for the media loop, which takes it at the start of its next period (the
    /// network's side: the socket's reader and the session queue never take the loop's lock).
    func deliver(_ bytes: UnsafeRawBufferPointer, arrival: Int64) {
        inbox.push(bytes, arrival: arrival)
    }

    private func receiveLocked(_ bytes: UnsafeMutableRawBufferPointer, arrival: Int64) {
        do {
            statistics.packetsReceived += 1
            guard let (senderSlot, range) = try? MediaPayload.parse(UnsafeRawBufferPointer(bytes)) else {
                statistics.packetsRejected += 1
                return
            }
            let sframe = UnsafeMutableRawBufferPointer(rebasing: bytes[range])
            guard let (clear, _) = try? SFrameHeader.decode(UnsafeRawBufferPointer(sframe)) else {
                statistics.packetsRejected += 1
                return
            }
            let slot = UInt16(truncatingIfNeeded: clear.keyID)
            guard slot == senderSlot else {
                statistics.packetsRejected += 1
                statistics.slotMismatches += 1
                return
            }
            let header: SFrameHeader, plaintext: UnsafeMutableBufferPointer<UInt8>
            switch keyring.unprotect(in: sframe) {
            case .success(let opened):
                header = opened.header
                plaintext = UnsafeMutableRawBufferPointer(rebasing: sframe[opened.plaintext]).bindMemory(to: UInt8.self)
            case .failure(.counterOutOfRange):
                statistics.packetsRejected += 1
                statistics.countersOutOfRange += 1
                return
            case .failure:
                statistics.packetsRejected += 1
                return
            }
            let chunkLength = FrameAuthentication.chunkLength
            guard plaintext.count > chunkLength else {
                statistics.packetsRejected += 1
                return
            }
            let chunk = UnsafeBufferPointer(rebasing: plaintext[..<chunkLength])
            let body = UnsafeBufferPointer(rebasing: plaintext[chunkLength...])
            guard let parsed = try? MediaFrameBody.parse(body) else {
                statistics.packetsRejected += 1
                statistics.malformedBodies += 1
                return
            }
            let opus = UnsafeBufferPointer(rebasing: body[parsed.primary])
            guard let member = members[slot] else { return }
            // The signature covers each frame, whichever version of it comes (§6.4).
            guard verify(keyID: header.keyID, counter: header.counter, member: member, chunk: chunk, body: body, parsed: parsed,
                         arrival: arrival) else {
                statistics.framesWithheld += 1
                return
            }
            if let receivedFrames {
                let tag = receivedFrameTag(for: member.id, in: receivedFrames)
                receivedFrames.push(tag: tag, keyID: header.keyID, counter: header.counter, opus: opus, arrival: arrival)
            }
            guard configuration.decode else { return }
            guard let route = routes[header.keyID] ?? newRoute(keyID: header.keyID, counter: header.counter, member: member.id) else { return }
            let sequence = route.offset &+ header.counter
            route.speaker.highest = max(route.speaker.highest ?? sequence, sequence)
            let stream = route.speaker.stream
            stream.receive(sequence: sequence, payload: opus, arrival: arrival)
            // A copy stands only for the frame of the same KID `distance` counters before, and
            // plays only while that frame's batch is still checked.
            let verifier = verifications[header.keyID]?.verifier
            var distance = 1
            while let copy = parsed.copy(distance: distance), header.counter >= UInt64(distance) {
                if verifier?.covers(header.counter - UInt64(distance)) == true {
                    stream.receiveRedundant(sequence: sequence &- UInt64(distance), distance: distance,
                                            payload: UnsafeBufferPointer(rebasing: body[copy]))
                }
                distance += 1
            }
        }
    }

    /// `member`'s tag in `receivedFrames`: one dictionary lookup a frame, the registry's lock
    /// and allocation only the first time.
    private func receivedFrameTag(for member: MemberID, in receivedFrames: ReceivedFrameOutput) -> Int16 {
        if let tag = receivedFrameTags[member] { return tag }
        let tag = receivedFrames.tag(for: member)
        receivedFrameTags[member] = tag
        return tag
    }

    /// The route of a KID heard for the first time: onto its member's stream, right after the last
    /// frame that stream was given (a new stream if the member has none).
    private func newRoute(keyID: UInt64, counter: UInt64, member: MemberID) -> Route? {
        let speaker: Speaker
        if let known = speakers[member] {
            speaker = known
        } else {
            guard let stream = try? SpeakerStream(settings: configuration.settings, jitter: configuration.jitter) else { return nil }
            stream.gain = gains[member] ?? 1
            let talker = talkers[member] ?? Talker(member: member, tag: outputs?.tag(for: member) ?? 0, frameSamples: frame.count)
            talkers[member] = talker
            speaker = Speaker(stream: stream, member: member, talker: talker)
            speakers[member] = speaker
            listSpeakers()
        }
        let next = speaker.highest.map { $0 &+ 1 } ?? counter
        let route = Route(speaker: speaker, offset: next &- counter)
        routes[keyID] = route
        return route
    }

    /// The same for a payload in an array (one that came inside `media_over_tcp`).
    func receive(_ bytes: [UInt8], arrival: Int64) {
        var bytes = bytes
        bytes.withUnsafeMutableBytes { receive($0, arrival: arrival) }
    }

    /// Feeds a packet's frame and copies to its KID's signature check; returns whether they may play.
    private func verify(keyID: UInt64, counter: UInt64, member: StageMember, chunk: UnsafeBufferPointer<UInt8>,
                        body: UnsafeBufferPointer<UInt8>, parsed: MediaFrameBody, arrival: Int64) -> Bool {
        if verifications[keyID] == nil {
            guard let verification = try? SpeakerVerification(member: member.id, keyID: keyID, memberKey: member.key,
                                                                arrival: arrival) else { return false }
            verifications[keyID] = verification
        }
        let check = verifications[keyID]!.receive(counter: counter, chunk: chunk, body: body, parsed: parsed, arrival: arrival)
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
            speakers[member]?.stream.gain = gain
        }
    }

    // MARK: - The media loop

    /// One period of the media loop, on the audio thread (`AudioEngine`): the payloads the
    /// network delivered since the last period are opened into their jitter buffers; the
    /// captured samples join this client's frame, which — or the configured source's — is
    /// encoded, protected, sealed and sent once whole; every speaker's next samples are mixed
    /// into `play`. Files get their frames through `MediaOutputs`, off this thread. Allocates
    /// nothing once its speakers are known.
    ///
    /// A period may be shorter than an Opus frame (`OpusSettings.periodSamples`: 10 ms against
    /// 20 ms), as long as it divides it. Each speaker then plays from its own decoded frame at its
    /// own phase: a stream that is silent (not started, or stopped) asks its jitter buffer again
    /// every period, so it starts at the first period after its first frame is due rather than at
    /// the next frame boundary of the mix, and one in a pause whose next frame is already due
    /// starts it a period early (`JitterBuffer.mayStartEarly`) — which halves the wait a frame
    /// has for the listener's clock. `play` and `captured` hold one period's samples.
    func period(captured: UnsafeBufferPointer<Int16>?, play: UnsafeMutableBufferPointer<Int16>, now: Int64) {
        lock.withLock {
            let periodSamples = play.count
            guard !closed, periodSamples > 0, frame.count % periodSamples == 0 else {
                if !closed { statistics.misshapenPeriods += 1 }
                return play.update(repeating: 0)
            }
            inbox.drain { bytes, arrival in receiveLocked(bytes, arrival: arrival) }
            let offset = periodInFrame * periodSamples
            takeCaptured(captured, at: offset, count: periodSamples)
            _ = UnsafeMutableBufferPointer(rebasing: reference[offset..<(offset + periodSamples)])
                .update(fromContentsOf: UnsafeBufferPointer(rebasing: lastPlayed[..<periodSamples]))
            playPeriod(now: now, into: play)
            _ = UnsafeMutableBufferPointer(rebasing: mixed[offset..<(offset + periodSamples)]).update(fromContentsOf: play)
            _ = UnsafeMutableBufferPointer(rebasing: lastPlayed[..<periodSamples]).update(fromContentsOf: play)
            periodInFrame += 1
            guard periodInFrame * periodSamples == frame.count else { return }
            // The frame is whole: this client's goes out, the mix goes to the files.
            periodInFrame = 0
            ticks += 1
            sendFrame(captured: capturedWhole)
            capturedWhole = true
            finishFrame()
            if ticks % Self.fecAdaptationTicks == 0 { adaptFEC(now: now) }
        }
    }

    /// One frame with no sound device: the configured source speaks, the mix goes to the sinks.
    func tick(now: Int64) {
        period(captured: nil, play: tickFrame, now: now)
    }

    /// Copies a period's capture into this client's frame at `offset`; a period without one
    /// leaves the frame incomplete, and an incomplete frame is not sent.
    private func takeCaptured(_ captured: UnsafeBufferPointer<Int16>?, at offset: Int, count: Int) {
        guard configuration.source == nil, configuration.speaksCaptured else { return }
        guard let captured, captured.count == count else {
            capturedWhole = false
            return
        }
        _ = UnsafeMutableBufferPointer(rebasing: frame[offset..<(offset + count)]).update(fromContentsOf: captured)
    }

    private func sendFrame(captured whole: Bool) {
        // A file waits for the stage.
        guard let sending else { return }
        if let source = configuration.source {
            guard source.read(into: frame) else { return }
        } else {
            guard configuration.speaksCaptured, whole else { return }
            if let captureProcessor {
                captureProcessor.played(UnsafeBufferPointer(reference))
                captureProcessor.process(frame)
            }
        }
        do {
            let chunkLength = FrameAuthentication.chunkLength
            let opusLength = try encoder.encode(UnsafeBufferPointer(frame), into: encoded)
            let counter = try keyring.nextCounter(keyID: sending.keyID)
            let body = UnsafeMutableBufferPointer(rebasing: packet[chunkLength...])
            let length = try history.write(frame: UnsafeBufferPointer(rebasing: encoded[..<opusLength]), keyID: sending.keyID,
                                           counter: counter, capacity: redundancy.bodyCapacity, into: body)
            signer.authenticate(keyID: sending.keyID, counter: counter,
                                opus: UnsafeBufferPointer(rebasing: encoded[..<opusLength]),
                                chunk: UnsafeMutableBufferPointer(rebasing: packet[..<chunkLength]))
            let plaintext = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: packet[..<(chunkLength + length)]))
            let sframe = UnsafeMutableRawBufferPointer(rebasing: payload[MediaPayload.sframeOffset...])
            let sframeLength = try keyring.protect(plaintext, keyID: sending.keyID, into: sframe).get()
            let payloadLength = try MediaPayload.frame(senderSlot: sending.slot, sframeLength: sframeLength,
                                                       minimumLength: redundancy.payloadFloor, in: payload)
            guard let currentUplink else { return }
            statistics.packetsSent += 1
            if !currentUplink.send(payload: UnsafeRawBufferPointer(rebasing: payload[..<payloadLength])) { statistics.droppedBehindTCP += 1 }
        } catch {
            statistics.sendErrors += 1
        }
    }

    /// Mixes each speaker's next `play.count` samples into `play`, decoding a speaker's next
    /// frame when its last one is played out.
    private func playPeriod(now: Int64, into play: UnsafeMutableBufferPointer<Int16>) {
        let count = play.count, offset = periodInFrame * count
        if periodInFrame == 0 {
            for index in 0..<talkerList.count { talkerList[index].heard = false }
        }
        mixer.begin()
        for index in 0..<speakerList.count {
            let speaker = speakerList[index]
            let playout = speaker.playout
            let talker = speaker.talker
            if playout.position >= frame.count || speaker.stream.jitter.mayStartEarly(now: now, margin: earlyStartMargin(periodSamples: count)) {
                playout.frame = speaker.stream.render(now: now)
                playout.position = 0
                talker.heard = true
                talker.level = speaker.stream.level
                // Nothing to play yet (or any more): ask again next period, not next frame.
                if !speaker.stream.jitter.isPlaying, !speaker.stream.level.isTalking { playout.position = frame.count - count }
            }
            let slice = UnsafeBufferPointer(rebasing: playout.frame[playout.position..<(playout.position + count)])
            mixer.add(slice, gain: speaker.stream.gain)
            _ = UnsafeMutableBufferPointer(rebasing: talker.played[offset..<(offset + count)]).update(fromContentsOf: slice)
            playout.position += count
        }
        mixer.finish(into: play)
    }

    /// How far above its jitter buffer's target a speaker's next frame must stay for it to start
    /// a period early: half a period, for an audio thread that wakes a little late (with none, a
    /// loaded machine lost a frame now and then: PESQ-WB 3.48–3.73 instead of 3.90 on loopback).
    private func earlyStartMargin(periodSamples: Int) -> Int64 {
        Int64(periodSamples) * 1_000_000_000 / Int64(OpusSettings.sampleRate) / 2
    }

    /// After a frame's worth of periods: the mix and each heard speaker to the files, and who
    /// is talking.
    private func finishFrame() {
        if let outputs {
            if outputs.recordsSpeakers {
                for index in 0..<talkerList.count where talkerList[index].heard {
                    outputs.push(UnsafeBufferPointer(talkerList[index].played), tag: talkerList[index].tag, scratch: outputFrame)
                }
            }
            outputs.push(UnsafeBufferPointer(mixed), tag: MediaOutputs.mixTag, scratch: outputFrame)
        }
        updateTalking()
    }

    private func updateTalking() {
        for index in 0..<talkerList.count {
            let talker = talkerList[index]
            if talker.heard, talker.level.isTalking {
                if !talker.talking { speaking(talker.member, true) }
                talker.talking = true
                talker.quietTicks = 0
            } else if talker.talking {
                talker.quietTicks += 1
                if talker.quietTicks >= Self.speakingHangoverTicks {
                    talker.talking = false
                    speaking(talker.member, false)
                }
            }
        }
    }

    /// Every 2 s: measures the loss on what this client heard in the window, then adapts FEC.
    private func adaptFEC(now: Int64) {
        var heard = 0, lost = 0
        for index in 0..<speakerList.count {
            heard += speakerList[index].stream.jitter.counters.received
            lost += speakerList[index].stream.jitter.counters.lost
        }
        let newHeard = heard - lossMark.heard, newLost = lost - lossMark.lost
        lossMark = (heard, lost)
        heardLoss = newHeard > 0 && newLost >= 0 ? Double(newLost) / Double(newHeard + newLost) : nil
        followLoss(now: now)
    }

    /// With adaptive FEC, follows the larger of the loss this client heard and its listeners'
    /// fresh figure (a speaker on a clean line whose listeners lose packets still adds
    /// redundancy): under loss each packet carries copies of the frames before it
    /// (`LossRedundancy`, unless `redundantFrames` holds a number) and Opus FEC, whose data
    /// would ride in the same packet as the copy of the frame it rebuilds, plans for no loss,
    /// so that every frame keeps its whole bit rate; Opus FEC follows the loss only for a
    /// speaker whose copies are held at none. With neither figure, the settings stay.
    private func followLoss(now: Int64) {
        guard configuration.adaptiveFEC else { return }
        var loss = heardLoss
        if let listenersLoss, now - listenersLoss.at < Self.listenersLossFreshness {
            loss = max(loss ?? 0, listenersLoss.fraction)
        }
        guard let loss else { return }
        let depth = configuration.redundantFrames ?? LossRedundancy.depth(forLoss: loss)
        if depth != redundancy.depth {
            redundancy = LossRedundancy(depth: depth, settings: configuration.settings, tagLength: tagLength)
            history.depth = redundancy.depth
            try? encoder.setBitrate(redundancy.bitrate)
        }
        guard configuration.settings.inbandFEC else { return }
        try? encoder.adapt(toMeasuredLoss: redundancy.depth > 0 ? 0 : loss)
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
            snapshot.inboxOverflows = inbox.overflows
            snapshot.outputOverflows = (outputs?.overflows ?? 0) + (receivedFrames?.overflows ?? 0)
            snapshot.fecExpectedLossPercent = Int(encoder.expectedLossPercent)
            snapshot.redundantFrames = redundancy.depth
            for talker in talkerList where talker.heard { snapshot.levels[talker.member] = talker.level.rms }
            for speaker in speakerList {
                let jitter = speaker.stream.jitter
                snapshot.jitterDelayMilliseconds = max(snapshot.jitterDelayMilliseconds, Double(jitter.target) / 1e6)
                snapshot.lostFrames += jitter.counters.lost
                snapshot.recoveredFrames += speaker.stream.recoveredByFEC
                snapshot.redundancyRecoveredFrames += jitter.counters.recoveredByRedundancy
                snapshot.stretchedFrames += jitter.counters.stretched
                snapshot.shrunkFrames += jitter.counters.shrunk
            }
            return snapshot
        }
    }

    /// Each heard speaker's jitter-buffer counters (for the benchmark's checks).
    var jitterCounters: [JitterBuffer.Counters] {
        lock.withLock { speakerList.map(\.stream.jitter.counters) }
    }

    /// Stops the loop's work and finalises every file (what is queued for them is written).
    func close() {
        lock.withLock { closed = true }
        outputs?.close()
        receivedFrames?.close()
    }
}
