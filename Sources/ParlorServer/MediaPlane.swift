import NIOCore
import ParlorCrypto
import ParlorProtocol

/// The relay's media path, as a pure value: each control session's media endpoint (its hop keys,
/// replay window and last UDP address), and the forwarding of one speaker's frame to every other
/// member of its room, each under that member's own hop key and counter, so no two members ever
/// receive the same bytes. The relay reads the sender slot it assigned and nothing else.
///
/// Media goes by UDP to a member whose authenticated datagrams arrived within `udpFreshness`;
/// otherwise over its control session (TCP fallback), so a client behind a UDP-blocking network
/// still hears the room.
struct MediaPlane {
    /// How long an address stays usable after the last authenticated datagram from it.
    static let udpFreshness: UInt64 = 15_000_000_000

    struct Endpoint {
        let session: SessionID
        var receiver: MediaReceiver
        var sender: MediaSender
        var address: SocketAddress?
        var lastHeard: UInt64 = 0
        var bucket: TokenBucket
    }

    /// Where one forwarded frame goes.
    enum Output: Equatable {
        case datagram(SocketAddress, ByteBuffer)
        /// A media payload for `mediaOverTCP` on the session's control stream.
        case control(SessionID, [UInt8])
    }

    let limits: RelayLimits
    private let allocator = ByteBufferAllocator()
    private(set) var endpoints: [UInt32: Endpoint] = [:]
    private var indexOfSession: [SessionID: UInt32] = [:]

    init(limits: RelayLimits) { self.limits = limits }

    /// Sets up `session`'s endpoint from its Noise session's media keys and the receiver index the
    /// client announced; returns the relay's own random receiver index for the client to use.
    ///
    /// A session sets up media once: a second `media_setup` gets the same index back and changes
    /// nothing, since starting the relay's counter again under the same key would reuse nonces.
    mutating func register(session: SessionID, keys: MediaKeys, clientReceiverIndex: UInt32, now: UInt64) -> UInt32 {
        if let existing = indexOfSession[session] { return existing }
        var index: UInt32
        repeat {
            index = UInt32.random(in: 1...UInt32.max)
        } while endpoints[index] != nil
        endpoints[index] = Endpoint(
            session: session,
            receiver: MediaReceiver(key: keys.receiving, receiverIndex: index),
            sender: MediaSender(key: keys.sending, peerReceiverIndex: clientReceiverIndex),
            bucket: TokenBucket(rate: limits.mediaPacketsPerSecond, burst: limits.mediaBurst, now: now))
        indexOfSession[session] = index
        return index
    }

    mutating func unregister(session: SessionID) {
        if let index = indexOfSession.removeValue(forKey: session) { endpoints[index] = nil }
    }

    /// One datagram from the network. Keepalives are answered (so clients learn UDP works);
    /// media from a member allowed to transmit is forwarded; everything else is dropped and counted.
    mutating func receive(datagram bytes: [UInt8], from address: SocketAddress, now: UInt64, rooms: RoomTable,
                          metrics: RelayMetrics, into out: inout [Output]) {
        metrics.add(.datagramsReceived)
        guard bytes.count >= MediaHeader.length, bytes.count <= limits.maxDatagramBytes else {
            metrics.dropped(bytes.count > limits.maxDatagramBytes ? .oversize : .malformed)
            return
        }
        let index = UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
        guard var endpoint = endpoints[index] else {
            metrics.dropped(.unknownReceiver)
            return
        }
        let opened: (kind: MediaHeader.Kind, payload: [UInt8])
        do {
            opened = try endpoint.receiver.open(bytes)
        } catch {
            metrics.dropped(error.isReplay ? .replayed : .unauthenticated)
            return
        }
        // Authenticated: this is where the member is now (it may have roamed).
        endpoint.address = address
        endpoint.lastHeard = now
        switch opened.kind {
        case .keepalive:
            if let reply = try? endpoint.sender.seal(opened.payload, kind: .keepalive) {
                out.append(.datagram(address, allocator.buffer(bytes: reply)))
            }
            endpoints[index] = endpoint
        case .media:
            endpoints[index] = endpoint
            forward(payload: opened.payload, from: endpoint.session, now: now, rooms: rooms, metrics: metrics, into: &out)
        case .cookieReply:
            endpoints[index] = endpoint
            metrics.dropped(.malformed)
        }
    }

    /// A media payload that arrived over a control session (the client's UDP is blocked).
    mutating func receive(tcpPayload payload: [UInt8], from session: SessionID, now: UInt64, rooms: RoomTable,
                          metrics: RelayMetrics, into out: inout [Output]) {
        forward(payload: payload, from: session, now: now, rooms: rooms, metrics: metrics, into: &out)
    }

    private mutating func forward(payload: [UInt8], from session: SessionID, now: UInt64, rooms: RoomTable,
                                  metrics: RelayMetrics, into out: inout [Output]) {
        guard let senderIndex = indexOfSession[session], let route = rooms.mediaTargets(of: session) else {
            metrics.dropped(.notSpeaker)
            return
        }
        guard endpoints[senderIndex]!.bucket.take(now: now) else {
            metrics.dropped(.rateLimited)
            return
        }
        // The slot is the relay's to set: a speaker cannot pass itself off as another.
        guard MediaPayload.buckets.contains(payload.count) else {
            metrics.dropped(.malformed)
            return
        }
        var stamped = payload
        stamped[0] = UInt8(route.slot >> 8)
        stamped[1] = UInt8(route.slot & 0xFF)
        let datagramLength = MediaHeader.length + stamped.count + ChaCha20Poly1305.tagLength
        for target in route.room where target != session {
            guard let index = indexOfSession[target] else {
                // No media set up (yet): the control session carries it.
                out.append(.control(target, stamped))
                metrics.add(.tcpMediaForwarded)
                continue
            }
            let endpoint = endpoints[index]!
            if let address = endpoint.address, now &- endpoint.lastHeard < Self.udpFreshness {
                // Sealed straight into the buffer that goes to the socket: one allocation a packet.
                var buffer = allocator.buffer(capacity: datagramLength)
                let written = stamped.withUnsafeBytes { plain in
                    buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: datagramLength) { out in
                        (try? endpoints[index]!.sender.seal(plain, into: out)) ?? 0
                    }
                }
                guard written > 0 else { continue }
                out.append(.datagram(address, buffer))
                metrics.add(.datagramsForwarded)
            } else {
                out.append(.control(target, stamped))
                metrics.add(.tcpMediaForwarded)
            }
        }
    }
}

extension ParlorProtocolError {
    /// Whether the datagram was refused as a replay (counted apart from forgeries).
    var isReplay: Bool {
        if case .crypto(.replayed) = self { return true }
        return false
    }
}
