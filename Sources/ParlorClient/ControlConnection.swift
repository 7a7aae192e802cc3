import Foundation
import Glibc
import ParlorCrypto
import ParlorProtocol

/// One control session with the relay: a TCP connection, the Noise NK handshake pinning the
/// relay's key (with the cookie retry of a busy relay), then padded control messages
/// (docs/PROTOCOL.md §2–§4). The one wire client: the room client and the benches' sessions
/// (`RelaySocketSession`) both use it.
///
/// Blocking sockets: the handshake runs on the caller's thread. Messages are read either by
/// `startReading`, on a thread of its own (the room client), or by `receive(within:)` on the
/// caller's (the benches), never both. Sending and decryption share the Noise state under a lock.
public final class ControlConnection: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The relay was over its handshake rate and refused this client even with a cookie.
    public struct TooBusy: Error, CustomStringConvertible {
        public var description: String { "the relay is too busy to let this client in" }
    }

    /// No message arrived within the time `receive(within:)` was given.
    public struct Timeout: Error {
        public init() {}
    }

    /// How long connecting and the handshake may take.
    static let connectTimeoutSeconds = 5

    /// The TCP socket.
    public let fd: Int32
    let endpoint: RelayEndpoint
    /// The Noise handshake hash (what a `join` proof signs).
    public let handshakeHash: [UInt8]
    /// This side's media keys.
    public let mediaKeys: MediaKeys
    /// Whether the relay was over its handshake rate and this client got in with a cookie.
    public let neededCookie: Bool
    private var session: ControlSession
    private let lock = NSLock()
    private var reader: Thread?

    /// Connects and runs the handshake. A relay over its handshake rate answers with a cookie
    /// instead (docs/PROTOCOL.md §2, "Cookie reply"): the client connects once more and proves
    /// with the cookie's MAC that it can receive at its address.
    public init(address: RelayAddress, relayKey: [UInt8]) throws {
        let endpoint = try RelayEndpoint(address)
        var cookie: HandshakeCookie?
        while true {
            let fd = try Self.open(endpoint, address: address)
            do {
                var handshake = try NoiseHandshake(initiatorPinning: relayKey)
                let message1 = try handshake.writeMessage()
                if let cookie { try Self.writeAll(fd, try ControlFraming.frame(cookie.mac(for: message1))) }
                try Self.writeAll(fd, try ControlFraming.frame(message1))
                var frames = ControlFrameReader()
                guard let reply = try Self.readFrame(fd, &frames) else {
                    if cookie != nil { throw TooBusy() }
                    throw Failure(description: "the relay closed the connection during the handshake")
                }
                if reply.isEmpty {
                    // One retry: a second cookie means the cookie did not help.
                    guard cookie == nil, let body = try Self.readFrame(fd, &frames) else { throw TooBusy() }
                    cookie = try HandshakeCookie(reply: body, relayKey: relayKey, message1: message1)
                    Glibc.close(fd)
                    continue
                }
                _ = try handshake.readMessage(reply)
                let transport = try handshake.split()
                session = ControlSession(transport: transport)
                handshakeHash = transport.handshakeHash
                mediaKeys = transport.mediaKeys
                neededCookie = cookie != nil
                self.frames = frames
            } catch let failure as Failure {
                Glibc.close(fd)
                throw failure
            } catch let busy as TooBusy {
                Glibc.close(fd)
                throw busy
            } catch {
                Glibc.close(fd)
                // A relay over its per-address rate resets a connection that brought a cookie.
                if cookie != nil { throw TooBusy() }
                throw Failure(description: "handshake with the relay failed (is the relay key in the link right?): \(error)")
            }
            // Reads block until data or a shutdown; the reader thread needs no timeout.
            var none = timeval()
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
            self.fd = fd
            self.endpoint = endpoint
            return
        }
    }

    /// A TCP connection to the relay, with timeouts for connecting and the handshake.
    private static func open(_ endpoint: RelayEndpoint, address: RelayAddress) throws -> Int32 {
        let fd = socket(endpoint.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: Self.connectTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard endpoint.connect(fd) else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "cannot reach the relay at \(address): \(reason)")
        }
        return fd
    }

    /// Bytes read but not yet framed; the handshake's leftovers, then the reader thread's alone.
    private var frames: ControlFrameReader

    deinit { Glibc.close(fd) }

    /// Seals and sends one message; safe from any thread. Sealing and writing happen under one
    /// lock so that frames reach the stream in nonce order. A write that fails (or times out
    /// after `connectTimeoutSeconds` on a full send buffer) may have left part of a frame on the
    /// stream, so the connection is shut down: the reader reports it closed and the client
    /// reconnects.
    public func send(_ message: ControlMessage) throws {
        try lock.withLock {
            let frame = try session.seal(message)
            do {
                try Self.writeAll(fd, frame)
            } catch {
                shutDown()
                throw error
            }
        }
    }

    /// `SIOCOUTQNSD` (linux/sockios.h): the bytes in a TCP socket's send queue not yet sent.
    static let SIOCOUTQNSD: UInt = 0x894B

    /// Bytes written to the connection that the kernel has not sent yet: they wait for the
    /// congestion window, which collapses while the path is down. 0 when it cannot be read.
    var unsentBytes: Int {
        var unsent: Int32 = 0
        guard ioctl(fd, Self.SIOCOUTQNSD, &unsent) == 0 else { return 0 }
        return Int(unsent)
    }

    /// Reads messages on a thread of its own until the connection ends, then calls `closed` once
    /// with the reason. A message that does not decode is skipped (the relay's Noise stream
    /// around it is intact); one that does not decrypt ends the connection.
    func startReading(_ received: @escaping @Sendable (ControlMessage) -> Void, closed: @escaping @Sendable (String) -> Void) {
        let thread = Thread { [self] in
            while true {
                do {
                    guard let frame = try Self.readFrame(fd, &frames) else { return closed("the relay closed the connection") }
                    let message: ControlMessage
                    do {
                        message = try lock.withLock { try session.open(frame) }
                    } catch ParlorProtocolError.crypto {
                        return closed("a control message from the relay did not decrypt")
                    } catch {
                        continue
                    }
                    received(message)
                } catch {
                    return closed("the connection to the relay dropped")
                }
            }
        }
        thread.name = "parlor-control"
        reader = thread
        thread.start()
    }

    /// The next message, read on the caller's thread; `Timeout` when none comes within
    /// `seconds`. A frame that does not decrypt or decode is an error (a bench wants to know).
    public func receive(within seconds: Double) throws -> ControlMessage {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let frame = frames.nextFrame() { return try lock.withLock { try session.open(frame) } }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let waitMilliseconds = Int32(max(deadline.timeIntervalSinceNow, 0) * 1000)
            guard poll(&poller, 1, waitMilliseconds) > 0 else {
                if Date() < deadline, errno == EINTR { continue }
                throw Timeout()
            }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                frames.append(buffer.prefix(n))
            } else if n == 0 || errno != EINTR {
                throw Failure(description: "the relay closed the connection")
            }
        }
    }

    /// The Noise transport, for a tool that writes frames of its own (the bad-input campaign);
    /// every message sealed advances its nonce, so what it sends must reach the stream in order.
    public var transport: NoiseTransport {
        get { lock.withLock { session.transport } }
        set { lock.withLock { session.transport = newValue } }
    }

    /// Ends the connection; the reader thread sees it and reports `closed`.
    public func shutDown() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "cannot write to the relay: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// The next frame, or nil at the end of the stream.
    private static func readFrame(_ fd: Int32, _ reader: inout ControlFrameReader) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            if let frame = reader.nextFrame() { return frame }
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                reader.append(buffer.prefix(n))
            } else if n == 0 {
                return nil
            } else if errno != EINTR {
                throw Failure(description: "read failed: \(String(cString: strerror(errno)))")
            }
        }
    }
}
