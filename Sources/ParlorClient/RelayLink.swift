import Foundation
import ParlorAudio
import ParlorCrypto
import ParlorProtocol

/// One connection's transport: the control session, the UDP media socket and the media keys of
/// that session. Media goes by UDP while the relay's datagrams keep arriving (its answers to our
/// keepalives prove the path both ways) and inside `media_over_tcp` otherwise — at the start,
/// and whenever UDP is blocked (docs/PROTOCOL.md §4.3 "Fallback", §6.3).
final class RelayLink: @unchecked Sendable {
    /// UDP counts as working this long after the relay's last datagram (the relay's own rule, §6.3).
    static let udpFreshNanoseconds: Int64 = 15_000_000_000

    let control: ControlConnection
    let receiverIndex = MediaReceiver.randomIndex()
    private let lock = NSLock()
    private var sender: MediaSender?
    private var media: MediaSocket?
    private var lastDatagram: Int64?
    /// Opens datagrams; used by the UDP reader thread only.
    private var receiver: MediaReceiver
    private let clock = MonotonicAudioClock()

    init(control: ControlConnection) {
        self.control = control
        receiver = MediaReceiver(key: control.mediaKeys.receiving, receiverIndex: receiverIndex)
    }

    /// The relay answered our `media_setup`: key the sender and open the UDP socket.
    func mediaReady(_ setup: MediaSetup, received: @escaping @Sendable ([UInt8], Int64) -> Void) {
        let sender = MediaSender(key: control.mediaKeys.sending, peerReceiverIndex: setup.receiverIndex)
        // UDP goes where TCP went: the relay takes both on one port (docs/PROTOCOL.md §4.3), and the
        // address dialled is the one that works through port forwards and proxies.
        let socket = try? MediaSocket(endpoint: control.endpoint)
        lock.withLock {
            self.sender = sender
            media = socket
        }
        socket?.startReading { [weak self] bytes in
            guard let self, let opened = try? self.receiver.open(bytes) else { return }
            let now = clock.now()
            lock.withLock { lastDatagram = now }
            if opened.kind == .media { received(opened.payload, now) }
        }
        sendKeepalive()
    }

    var udpWorks: Bool {
        lock.withLock { lastDatagram.map { clock.now() - $0 < Self.udpFreshNanoseconds } ?? false }
    }

    /// A keepalive (the relay answers it, which is how we learn UDP works).
    func sendKeepalive() {
        lock.withLock {
            guard let media, var sender, let datagram = try? sender.seal([0], kind: .keepalive) else { return }
            self.sender = sender
            media.send(datagram)
        }
    }

    /// Sends a media payload by UDP when it works, else on the control session.
    func sendMedia(_ payload: [UInt8]) {
        if udpWorks {
            lock.withLock {
                guard let media, var sender, let datagram = try? sender.seal(payload) else { return }
                self.sender = sender
                media.send(datagram)
            }
        } else if lock.withLock({ sender != nil }) {
            try? control.send(.mediaOverTCP(MediaOverTCP(payload: payload)))
        }
    }

    func shutDown() {
        control.shutDown()
        lock.withLock { media?.shutDown() }
    }
}
