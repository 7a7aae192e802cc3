import Foundation
import ParlorAudio
import ParlorCrypto
import ParlorProtocol

/// One connection's transport: the control session, the UDP media socket and the media keys of
/// that session. Media goes by UDP while the relay's datagrams keep arriving (its answers to our
/// probes and keepalives prove the path both ways) and inside `media_over_tcp` otherwise — at
/// the start, and whenever UDP is blocked in either direction (docs/PROTOCOL.md §4.3, §5, §6.3).
final class RelayLink: MediaUplink, @unchecked Sendable {
    /// Unsent bytes on the control connection above which media is dropped rather than queued
    /// there (about 0.3 s of frames). Late media is worth nothing, and a stream backed up by a
    /// partition would otherwise make writes block the session queue and the probes behind them.
    static let tcpMediaBacklogBytes = 4_096

    let control: ControlConnection
    let receiverIndex = MediaReceiver.randomIndex()
    private let lock = NSLock()
    private var hop: MediaHop?
    private var media: MediaSocket?
    private var lastDatagram: Int64?
    private var lastKeepalive: Int64?
    private let clock = MonotonicAudioClock()

    init(control: ControlConnection) {
        self.control = control
    }

    /// The relay answered our `media_setup`: key the sender and open the UDP socket. Media
    /// payloads go to `received`; the loss the room's listeners report, in answer to our
    /// keepalives while we may speak, goes to `listenersLoss` (the fraction lost, and when it came).
    func mediaReady(_ setup: MediaSetup, received: @escaping @Sendable (UnsafeMutableRawBufferPointer, Int64) -> Void,
                    listenersLoss: @escaping @Sendable (Double, Int64) -> Void) {
        let sender = MediaSender(key: control.mediaKeys.sending, peerReceiverIndex: setup.receiverIndex)
        let receiver = MediaReceiver(key: control.mediaKeys.receiving, receiverIndex: receiverIndex)
        // UDP goes where TCP went: the relay takes both on one port (docs/PROTOCOL.md §4.3), and the
        // address dialled is the one that works through port forwards and proxies.
        let socket = try? MediaSocket(endpoint: control.endpoint)
        let hop = MediaHop(sender: sender, receiver: receiver) { socket?.send($0) ?? false }
        lock.withLock {
            self.hop = hop
            media = socket
        }
        socket?.startReading { [weak self] bytes in
            guard let self, let opened = hop.open(bytes) else { return }
            let now = clock.now()
            lock.withLock { lastDatagram = now }
            if opened.kind == .media {
                received(opened.payload, now)
            } else if opened.payload.count == Keepalive.lossReportLength, let fraction = Keepalive.lossFraction(opened.payload[0]) {
                listenersLoss(fraction, now)
            }
        }
        sendKeepalive()
    }

    var udpWorks: Bool {
        lock.withLock { lastDatagram.map { clock.now() - $0 < ProtocolConstants.clientUDPFreshness } ?? false }
    }

    /// Called every 0.5 s (`RoomClient.keepaliveTicks`). While the relay's datagrams reach us
    /// (`ProtocolConstants.clientUDPFreshness`): a keepalive every `keepaliveInterval`, which
    /// keeps media coming by UDP and carries `lossReport`, the share of media this client lost
    /// lately (`Keepalive.lossFigure`); the relay answers a speaker with its
    /// listeners' figure. Otherwise a probe at each call, which the relay answers without
    /// switching this client to UDP, so media keeps coming by TCP until UDP is shown to work both
    /// ways, and goes back to UDP within half a second of a path returning.
    func sendKeepalive(lossReport: UInt8 = Keepalive.noLossFigure) {
        let works = udpWorks
        let now = clock.now()
        lock.withLock {
            if works, let last = lastKeepalive, now - last < ProtocolConstants.keepaliveInterval { return }
            guard let hop else { return }
            let body = works ? [lossReport] : (0..<Keepalive.probeLength).map { _ in UInt8.random(in: 0...255) }
            lastKeepalive = now
            hop.sendKeepalive(body)
        }
    }

    /// Sends a media payload, from the media loop: sealed and written straight to the UDP
    /// socket when UDP works (allocating nothing), else on the control session. Returns false
    /// when the payload was dropped because the control connection is backed up
    /// (`tcpMediaBacklogBytes`).
    func send(payload: UnsafeRawBufferPointer) -> Bool {
        guard let hop = lock.withLock({ hop }) else { return true }
        if udpWorks {
            _ = hop.send(payload: payload)
            return true
        }
        guard control.unsentBytes <= Self.tcpMediaBacklogBytes else { return false }
        try? control.send(.mediaOverTCP(MediaOverTCP(payload: Array(payload))))
        return true
    }

    func shutDown() {
        control.shutDown()
        lock.withLock { media?.shutDown() }
    }
}
