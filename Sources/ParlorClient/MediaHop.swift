import Foundation
import ParlorProtocol

/// Where the media loop hands this client's payloads: the relay link (`RelayLink`), or in the
/// benchmark the hop alone. Called once a frame with a payload valid for the call only.
protocol MediaUplink: AnyObject {
    /// Sends one media payload; false when it was dropped (the TCP fallback is backed up).
    func send(payload: UnsafeRawBufferPointer) -> Bool
}

/// The hop between this client and the relay, on the client's side (docs/PROTOCOL.md §5): it
/// seals payloads into datagrams in a buffer made once and writes them straight to the socket,
/// and opens arriving datagrams where they lie. Neither allocates.
///
/// The media loop and the keepalives share the sender's counter, so a lock guards it; it is held
/// for one seal and one non-blocking `send`, never across anything slow.
final class MediaHop: MediaUplink, @unchecked Sendable {
    private let lock = NSLock()
    private var sender: MediaSender
    /// Opens datagrams; used by the socket's reader only.
    private var receiver: MediaReceiver
    private let datagram: UnsafeMutableRawBufferPointer
    private let write: (UnsafeRawBufferPointer) -> Bool

    /// A hop sealing with `sender`, opening with `receiver`, and handing each sealed datagram
    /// to `write` (a socket's `send`).
    init(sender: MediaSender, receiver: MediaReceiver, write: @escaping (UnsafeRawBufferPointer) -> Bool) {
        self.sender = sender
        self.receiver = receiver
        self.write = write
        datagram = .allocate(byteCount: MediaDatagram.maximumLength, alignment: 8)
        datagram.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { datagram.deallocate() }

    /// Seals a media payload and sends it. False when it could not be sealed or sent.
    func send(payload: UnsafeRawBufferPointer) -> Bool {
        send(payload, kind: .media)
    }

    /// Seals a keepalive (its body: a loss report or a probe id) and sends it.
    @discardableResult
    func sendKeepalive(_ body: [UInt8]) -> Bool {
        body.withUnsafeBytes { send($0, kind: .keepalive) }
    }

    private func send(_ payload: UnsafeRawBufferPointer, kind: MediaHeader.Kind) -> Bool {
        lock.withLock {
            guard let length = try? sender.seal(payload, kind: kind, into: datagram) else { return false }
            return write(UnsafeRawBufferPointer(rebasing: datagram[..<length]))
        }
    }

    /// Authenticates and decrypts a datagram in place; returns its kind and its payload (inside
    /// `datagram`), or nil when it is not this session's, replayed, or forged. Reader side only.
    func open(_ datagram: UnsafeMutableRawBufferPointer) -> (kind: MediaHeader.Kind, payload: UnsafeMutableRawBufferPointer)? {
        guard let (kind, range) = try? receiver.open(in: datagram) else { return nil }
        return (kind, UnsafeMutableRawBufferPointer(rebasing: datagram[range]))
    }
}
