import Foundation
import ParlorAudio
import ParlorCrypto
import ParlorProtocol
import Synchronization

/// A client in one room, from the first connection to the last event: it connects to the
/// relay, runs `RoomSession` on what the relay says and the faces ask, moves media through
/// `MediaPipeline`, and reconnects with backoff when the connection drops, keeping its role.
///
/// Threads: session state lives on one serial queue; each connection has a control reader and
/// a UDP reader thread; the media loop runs once a period on the audio thread (`AudioEngine`:
/// the sound card's clock, or a self-paced one over the silent device), also while reconnecting,
/// so recordings keep their timeline. What arrives reaches the loop through its inbox; what it
/// sends goes straight to the socket. Keepalives, pings and the session's clock run on a timer
/// on the queue. Events reach `onEvent` on the queue, in order.
public final class RoomClient: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var settings = OpusSettings()
        public var jitter: JitterBuffer.Configuration?
        /// FEC follows loss (true): what this client hears or what its listeners report, whichever
        /// is larger; false keeps `settings.expectedLossPercent`.
        public var adaptiveFEC = true
        /// Echo cancellation, noise suppression and gain control on the captured path.
        public var capture = CaptureProcessor.Settings()
        /// Copies of earlier frames each packet carries under loss (docs/PROTOCOL.md §6.2): nil
        /// follows loss along with FEC (with `adaptiveFEC`), a number holds that many.
        public var redundantFrames: Int?
        /// Reconnection gives up after this long without a connection.
        public var reconnectGiveUpSeconds = 300.0
        public init() {}
    }

    /// Backoff between reconnection attempts: 0.5 s doubling to 8 s.
    static let backoffStart = 0.5
    static let backoffCeiling = 8.0
    /// Pings keep the relay's idle timer (45 s) happy and measure the round trip.
    static let pingTicks = 250
    /// The timer fires every 0.5 s (in frame periods) and asks the link each time: it sends
    /// keepalives every 2 s while UDP works (the relay falls back to TCP after 15 s without one),
    /// and probes every 0.5 s while it does not.
    static let keepaliveTicks = 25
    /// Frame periods between two of the session's clock ticks (1 s at 20 ms): the keeper's batched rekeys.
    static let sessionTicks = 50
    /// A relay silent this long (pings go every 5 s and are answered) is gone: reconnect.
    static let silenceSeconds = 20.0

    private let queue = DispatchQueue(label: "parlor.room")
    private var session: RoomSession
    private let pipeline: MediaPipeline
    /// The audio thread the loop runs on, and whether this client made it (and so starts and
    /// stops it).
    private let engine: AudioEngine
    /// Opened while this member is on stage (see `MediaIO.microphone`).
    private let microphone: Microphone?
    private let ownsEngine: Bool
    private var timer: DispatchSourceTimer?
    private let configuration: Configuration
    private let onEvent: @Sendable (RoomEvent) -> Void
    /// The current connection; the media loop sends through it (nil: its frames go nowhere).
    private var link: RelayLink? {
        didSet { pipeline.uplink = link }
    }
    private var attempt = 0
    private var disconnectedSince: Date?
    private var exit: RoomExit?
    private let finished = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(false)
    private var pingSent: (nonce: UInt64, at: Int64)?
    /// When the current connection last delivered a control message.
    private var lastHeard = Date()
    private var roundTrip: Double?

    /// A client for `identity`, with `media` as its sources and sinks. Nothing happens until `start`.
    public init(identity: RoomIdentity, media: MediaIO, configuration: Configuration = Configuration(),
                onEvent: @escaping @Sendable (RoomEvent) -> Void) throws {
        session = RoomSession(identity: identity)
        self.configuration = configuration
        self.onEvent = onEvent
        pipeline = try MediaPipeline(configuration: MediaPipeline.Configuration(
            settings: configuration.settings, jitter: configuration.jitter, source: media.source,
            speaksCaptured: media.engine != nil, mixSinks: media.mixSinks, perSpeakerDirectory: media.perSpeakerDirectory,
            decode: media.decode, receivedFrames: media.receivedFrames, adaptiveFEC: configuration.adaptiveFEC,
            capture: configuration.capture, redundantFrames: configuration.redundantFrames),
            suite: identity.link.suite, signingKey: identity.memberKey)
        microphone = media.microphone
        ownsEngine = media.engine == nil
        engine = media.engine ?? AudioEngine(capture: NullAudioDevice(direction: .capture), playback: NullAudioDevice(direction: .playback),
                                             frameSamples: configuration.settings.periodSamples)
        pipeline.speaking = { [weak self] member, talking in
            guard let self else { return }
            queue.async { self.speakingChanged(member, talking) }
        }
        pipeline.audioForged = { [weak self] member in
            guard let self else { return }
            queue.async { self.report(member) { .audioForged($0) } }
        }
        pipeline.audioUnverified = { [weak self] member in
            guard let self else { return }
            queue.async { self.report(member) { .audioUnverified($0) } }
        }
    }

    /// Connects (on a background thread) and starts the media loop.
    public func start() {
        running.store(true, ordering: .releasing)
        startMedia()
        queue.async { self.connect() }
    }

    /// Carries out a face's command.
    public func perform(_ command: RoomCommand) {
        queue.async {
            let now = UInt64(Date().timeIntervalSince1970)
            self.apply(self.session.perform(command, now: now))
        }
    }

    /// Plays `member` at `gain` (1 as sent, 0 silent): a listener's own volume for one speaker.
    public func setVolume(_ gain: Float, for member: MemberID) {
        pipeline.setVolume(gain, for: member)
    }

    /// Leaves the room (if still in it) and stops everything; returns when all is closed.
    public func stop() {
        queue.sync { if exit == nil { apply(session.leave()) } }
        _ = wait()
    }

    /// Blocks until the stay is over; returns why.
    @discardableResult
    public func wait() -> RoomExit {
        finished.wait()
        finished.signal()
        return queue.sync { exit ?? .left }
    }

    /// The session as it is now (roster, roles, epoch), for faces that draw it.
    public var state: RoomSession { queue.sync { session } }

    /// Media counters, levels and the last round trip, for status lines.
    public var statistics: (media: MediaStatistics, roundTripMilliseconds: Double?, udp: Bool) {
        var media = pipeline.snapshot
        let audio = engine.statistics
        media.audioXruns = audio.xruns
        media.audioLateWakeups = audio.lateWakeups
        return queue.sync { (media, roundTrip, link?.udpWorks ?? false) }
    }

    // MARK: - Connecting

    private func connect() {
        guard exit == nil else { return }
        let identity = session.identity
        // A link naming several nodes of a cluster: each reconnection tries the next.
        let relays = identity.link.relays
        let address = relays[attempt % relays.count]
        DispatchQueue.global().async { [self] in
            do {
                let control = try ControlConnection(address: address, relayKey: identity.link.relayPublicKey)
                queue.async { self.connected(RelayLink(control: control)) }
            } catch {
                queue.async { self.connectionFailed("\(error)") }
            }
        }
    }

    private func connected(_ newLink: RelayLink) {
        guard exit == nil else { return newLink.shutDown() }
        link = newLink
        lastHeard = Date()
        attempt = 0
        disconnectedSince = nil
        newLink.control.startReading({ [weak self, weak newLink] message in
            guard let self, let newLink else { return }
            queue.async { self.received(message, on: newLink) }
        }, closed: { [weak self, weak newLink] reason in
            guard let self, let newLink else { return }
            queue.async { self.lost(newLink, reason: reason) }
        })
        try? newLink.control.send(.mediaSetup(MediaSetup(receiverIndex: newLink.receiverIndex)))
        apply(session.connected(handshakeHash: newLink.control.handshakeHash))
    }

    private func connectionFailed(_ reason: String) {
        guard exit == nil else { return }
        if session.phase == .connecting, attempt == 0, disconnectedSince == nil {
            // The very first connection: a wrong address or key is a mistake to report, not to retry.
            return finish(.failed(reason))
        }
        scheduleReconnect(after: nil)
    }

    private func lost(_ lostLink: RelayLink, reason: String) {
        guard link === lostLink else { return }
        link = nil
        lostLink.shutDown()
        guard exit == nil else { return }
        scheduleReconnect(after: nil)
    }

    private func scheduleReconnect(after minimum: Double?) {
        let since = disconnectedSince ?? Date()
        disconnectedSince = since
        guard Date().timeIntervalSince(since) < configuration.reconnectGiveUpSeconds else {
            return finish(.failed("the relay has been unreachable for \(Int(configuration.reconnectGiveUpSeconds)) s"))
        }
        attempt += 1
        let delay = max(minimum ?? 0, min(Self.backoffStart * pow(2, Double(attempt - 1)), Self.backoffCeiling))
        onEvent(.reconnecting(attempt: attempt, delaySeconds: delay))
        queue.asyncAfter(deadline: .now() + delay) { self.connect() }
    }

    // MARK: - Messages

    private func received(_ message: ControlMessage, on from: RelayLink) {
        guard link === from else { return }
        lastHeard = Date()
        switch message {
        case .mediaSetup(let setup):
            from.mediaReady(setup, received: { [weak self] payload, arrival in self?.pipeline.deliver(UnsafeRawBufferPointer(payload), arrival: arrival) },
                            listenersLoss: { [weak self] fraction, at in self?.pipeline.listenersReported(loss: fraction, at: at) })
        case .mediaOverTCP(let media):
            media.payload.withUnsafeBytes { pipeline.deliver($0, arrival: MonotonicAudioClock().now()) }
        case .pong(let pong):
            if let sent = pingSent, sent.nonce == pong.nonce {
                roundTrip = Double(MonotonicAudioClock().now() - sent.at) / 1e6
            }
        case .serverClosing(let closing):
            link = nil
            from.shutDown()
            scheduleReconnect(after: Double(closing.retryAfterSeconds ?? 1))
        default:
            apply(session.receive(message))
        }
    }

    private func apply(_ effects: [RoomSession.Effect]) {
        for effect in effects {
            switch effect {
            case .send(let message):
                try? link?.control.send(message)
            case .event(let event):
                onEvent(event)
            case .mediaChanged:
                configureMedia()
            case .finish(let why):
                finish(why)
            case .retryLater:
                if let current = link {
                    link = nil
                    current.shutDown()
                    scheduleReconnect(after: nil)
                }
            }
        }
    }

    private func configureMedia() {
        let me = session.me
        // Between a reconnection and the roster that follows, `me` is unknown: the microphone
        // stays as it was.
        if let me { microphone?.setOnStage(exit == nil && me.isOnStage) }
        var sending: MediaPipeline.Sending?
        if let me, me.isOnStage, !me.muted, !session.selfMuted, let epoch = session.epochs.current {
            sending = MediaPipeline.Sending(keyID: SFrameContext.keyID(epoch: epoch, senderSlot: me.slot), slot: me.slot)
        }
        let stage = session.roster.stage.filter { $0.id != me?.id }
        pipeline.configure(epochs: session.epochs, stage: stage, sending: sending, me: me)
    }

    private func speakingChanged(_ member: MemberID, _ talking: Bool) {
        report(member) { talking ? .speakingStarted($0) : .speakingStopped($0) }
    }

    /// An event about a stage member the media side noticed, while this client is in the room.
    private func report(_ member: MemberID, _ event: (MemberInfo) -> RoomEvent) {
        guard exit == nil, let info = session.roster[member]?.info else { return }
        onEvent(event(info))
    }

    private func finish(_ why: RoomExit) {
        guard exit == nil else { return }
        exit = why
        link?.shutDown()
        link = nil
        // The media loop stops, its files are finalised, and the client is finished.
        if running.exchange(false, ordering: .acquiringAndReleasing) { stopMedia() }
        microphone?.setOnStage(false)
        pipeline.close()
        finished.signal()
    }

    // MARK: - The media loop and the timer

    private func startMedia() {
        engine.attach(pipeline)
        if ownsEngine { _ = try? engine.start() }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = Self.keepaliveTicks * configuration.settings.frameMilliseconds
        timer.schedule(deadline: .now() + .milliseconds(interval), repeating: .milliseconds(interval))
        var fired = 0
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            fired += 1
            link?.sendKeepalive(lossReport: pipeline.lossReport)
            if fired % (Self.pingTicks / Self.keepaliveTicks) == 0 { ping() }
            if fired % (Self.sessionTicks / Self.keepaliveTicks) == 0, exit == nil {
                apply(session.tick(now: UInt64(Date().timeIntervalSince1970)))
            }
        }
        self.timer = timer
        timer.resume()
    }

    private func stopMedia() {
        timer?.cancel()
        timer = nil
        engine.attach(nil)
        if ownsEngine { engine.stop() }
    }

    private func ping() {
        guard let link else { return }
        if Date().timeIntervalSince(lastHeard) > Self.silenceSeconds {
            // A partition or a dead relay: TCP alone may take minutes to notice.
            return lost(link, reason: "the relay stopped answering")
        }
        let nonce = UInt64.random(in: 0...UInt64.max)
        pingSent = (nonce, MonotonicAudioClock().now())
        try? link.control.send(.ping(Ping(nonce: nonce)))
    }
}
