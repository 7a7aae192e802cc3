import NIOCore
import ParlorCrypto
import ParlorProtocol

/// The relay's media path, as a value: each control session's media endpoint (its hop keys,
/// replay window and last UDP address), and the forwarding of one speaker's frame to every other
/// member of its room, each under that member's own hop key and counter, so no two members ever
/// receive the same bytes. The relay reads the sender slot it assigned and nothing else.
///
/// Media goes by UDP to a member whose authenticated datagrams arrived within `udpFreshness`;
/// otherwise over its control session (TCP fallback), so a client behind a UDP-blocking network
/// still hears the room.
///
/// The per-recipient path is kept short: endpoints live in one array, each room's recipients are
/// a cached list of positions in it (`MediaFanOut`), and each datagram is sealed straight into
/// the outgoing `DatagramBatch` to an address converted when the member's address last changed.
struct MediaPlane {
    /// How long an address stays usable after the last authenticated datagram from it.
    static let udpFreshness = UInt64(ProtocolConstants.relayUDPFreshness)
    /// How long a member's loss report counts towards its room's figure.
    static let lossReportFreshness: UInt64 = 10_000_000_000
    /// How long the room's figure told to a speaker stands before it is worked out again: the
    /// work grows with the room, and keepalives are not rate-limited.
    static let roomLossRefresh: UInt64 = 1_000_000_000
    /// Which report a speaker is told: the one nine in ten of its room's reports are at or under,
    /// so redundancy covers nearly everyone without one bad line setting it for all.
    static let lossPercentile = 0.9

    struct Endpoint {
        let session: SessionID
        var receiver: MediaReceiver
        var sender: MediaSender
        var address: DatagramAddress?
        var lastHeard: UInt64 = 0
        var bucket: TokenBucket
        /// The share of media this member last said it lost, in percent, and when.
        var lossReport = Keepalive.noLossFigure
        var lossReportedAt: UInt64 = 0
        /// The room's figure last told to this member, and when it was worked out.
        var roomLoss = Keepalive.noLossFigure
        var roomLossAt: UInt64 = 0

        /// What a position holds after its session went: no keys, never reached (no fan-out lists it).
        static let vacant = Endpoint(session: SessionID(0), receiver: MediaReceiver(key: [], receiverIndex: 0),
                                     sender: MediaSender(key: [], peerReceiverIndex: 0), bucket: TokenBucket(rate: 1, burst: 1, now: 0))
    }

    /// A media payload for `media_over_tcp` on a session's control stream.
    struct ControlMedia: Equatable {
        let session: SessionID
        let payload: [UInt8]
    }

    let limits: RelayLimits
    /// Every endpoint, by position; a position is vacant after its session goes, until reused.
    /// (Not optional: the fan-out reads and seals each element in place, where an optional
    /// element would be copied out, keys and all, for every recipient.)
    private(set) var endpoints: [Endpoint] = []
    private var freePositions: [Int] = []
    private var positionOfIndex: [UInt32: Int] = [:]
    private var positionOfSession: [SessionID: Int] = [:]
    /// Moves whenever an endpoint is added or removed, so cached fan-outs are rebuilt.
    private var endpointsVersion: UInt64 = 0
    private var fanOuts: [OpaqueKey: MediaFanOut] = [:]
    /// In a cluster: publishes each stamped payload of a room once for the other nodes with
    /// members of it (`RelayCluster.publishMedia`); nil for a relay on its own.
    var otherNodes: ((OpaqueKey, [UInt8]) -> Void)?

    init(limits: RelayLimits) { self.limits = limits }

    /// Endpoints set up and not yet removed.
    var endpointCount: Int { positionOfSession.count }

    /// Sets up `session`'s endpoint from its Noise session's media keys and the receiver index the
    /// client announced; returns the relay's own random receiver index for the client to use.
    ///
    /// A session sets up media once: a second `media_setup` gets the same index back and changes
    /// nothing, since starting the relay's counter again under the same key would reuse nonces.
    mutating func register(session: SessionID, keys: MediaKeys, clientReceiverIndex: UInt32, now: UInt64) -> UInt32 {
        if let position = positionOfSession[session] { return endpoints[position].receiver.receiverIndex }
        var index: UInt32
        repeat {
            index = UInt32.random(in: 1...UInt32.max)
        } while positionOfIndex[index] != nil
        let endpoint = Endpoint(
            session: session,
            receiver: MediaReceiver(key: keys.receiving, receiverIndex: index),
            sender: MediaSender(key: keys.sending, peerReceiverIndex: clientReceiverIndex),
            bucket: TokenBucket(rate: limits.mediaPacketsPerSecond, burst: limits.mediaBurst, now: now))
        let position: Int
        if let free = freePositions.popLast() {
            position = free
            endpoints[position] = endpoint
        } else {
            position = endpoints.count
            endpoints.append(endpoint)
        }
        positionOfIndex[index] = position
        positionOfSession[session] = position
        endpointsVersion += 1
        return index
    }

    mutating func unregister(session: SessionID) {
        guard let position = positionOfSession.removeValue(forKey: session) else { return }
        positionOfIndex[endpoints[position].receiver.receiverIndex] = nil
        endpoints[position] = .vacant
        freePositions.append(position)
        endpointsVersion += 1
        compactIfSparse()
    }

    /// Vacant positions kept before the endpoints are compacted.
    static let vacantPositionsKept = 64

    /// Moves the endpoints together once most positions are vacant (thousands of listeners left),
    /// so the array and its indexes shrink back: without this a relay keeps the endpoint storage of
    /// its busiest moment forever. Positions change, so the version moves and fan-outs are rebuilt.
    private mutating func compactIfSparse() {
        guard freePositions.count > Self.vacantPositionsKept, freePositions.count * 2 > endpoints.count else { return }
        var live: [Endpoint] = []
        live.reserveCapacity(positionOfSession.count)
        for position in positionOfSession.values.sorted() { live.append(endpoints[position]) }
        endpoints = live
        freePositions = []
        positionOfSession = Dictionary(uniqueKeysWithValues: live.indices.map { (live[$0].session, $0) })
        positionOfIndex = Dictionary(uniqueKeysWithValues: live.indices.map { (live[$0].receiver.receiverIndex, $0) })
        endpointsVersion += 1
    }

    /// One datagram from the network. Keepalives are answered (so clients learn UDP works);
    /// media from a member allowed to transmit is forwarded; everything else is dropped and counted.
    mutating func receive(datagram bytes: [UInt8], from address: SocketAddress, now: UInt64, rooms: RoomTable,
                          metrics: RelayMetrics, batch: DatagramBatch, control: inout [ControlMedia]) {
        metrics.add(.datagramsReceived)
        guard bytes.count >= MediaHeader.length, bytes.count <= limits.maxDatagramBytes else {
            metrics.dropped(bytes.count > limits.maxDatagramBytes ? .oversize : .malformed)
            return
        }
        guard let index = bytes.withUnsafeBytes({ MediaHeader.receiverIndex(of: $0) }), let position = positionOfIndex[index] else {
            metrics.dropped(.unknownReceiver)
            return
        }
        let opened: (kind: MediaHeader.Kind, payload: [UInt8])
        do {
            opened = try endpoints[position].receiver.open(bytes)
        } catch {
            metrics.dropped(error.isReplay ? .replayed : .unauthenticated)
            return
        }
        // Authenticated: this is where the member is now (it may have roamed). A probe (a keepalive
        // carrying an 8-byte id) is answered but does not make UDP fresh: a client probes while it
        // has not heard the relay by UDP, and media must keep coming by TCP until it has.
        guard let from = DatagramAddress(address) else { return }
        endpoints[position].address = from
        if !(opened.kind == .keepalive && opened.payload.count == Keepalive.probeLength) { endpoints[position].lastHeard = now }
        switch opened.kind {
        case .keepalive:
            var answer = opened.payload
            if opened.payload.count == Keepalive.lossReportLength {
                endpoints[position].lossReport = opened.payload[0] <= Keepalive.maxLossPercent ? opened.payload[0] : Keepalive.noLossFigure
                endpoints[position].lossReportedAt = now
                if now &- endpoints[position].roomLossAt >= Self.roomLossRefresh {
                    endpoints[position].roomLoss = roomLoss(for: endpoints[position].session, now: now, rooms: rooms)
                    endpoints[position].roomLossAt = now
                }
                answer = [endpoints[position].roomLoss]
            }
            if let reply = try? endpoints[position].sender.seal(answer, kind: .keepalive) {
                batch.append(to: from) { slot in
                    slot.copyBytes(from: reply)
                    return reply.count
                }
            }
        case .media:
            forward(payload: opened.payload, from: endpoints[position].session, now: now, rooms: rooms, metrics: metrics,
                    batch: batch, control: &control)
        case .cookieReply:
            metrics.dropped(.malformed)
        }
    }

    /// A media payload that arrived over a control session (the client's UDP is blocked).
    mutating func receive(tcpPayload payload: [UInt8], from session: SessionID, now: UInt64, rooms: RoomTable,
                          metrics: RelayMetrics, batch: DatagramBatch, control: inout [ControlMedia]) {
        forward(payload: payload, from: session, now: now, rooms: rooms, metrics: metrics, batch: batch, control: &control)
    }

    private mutating func forward(payload: [UInt8], from session: SessionID, now: UInt64, rooms: RoomTable,
                                  metrics: RelayMetrics, batch: DatagramBatch, control: inout [ControlMedia]) {
        guard let senderPosition = positionOfSession[session], let route = rooms.mediaRoute(of: session) else {
            metrics.dropped(.notSpeaker)
            return
        }
        guard endpoints[senderPosition].bucket.take(now: now) else {
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
        send(stamped, to: self.fanOut(for: route.room, rooms: rooms), except: (senderPosition, session), now: now, metrics: metrics,
             batch: batch, control: &control)
        otherNodes?(route.room.id, stamped)
    }

    /// In a cluster: a payload another node published for `room`, stamped there with its
    /// sender's slot, to every member of the room on this node.
    mutating func receive(fromOtherNode stamped: [UInt8], room id: OpaqueKey, now: UInt64, rooms: RoomTable,
                          metrics: RelayMetrics, batch: DatagramBatch, control: inout [ControlMedia]) {
        guard let room = rooms.rooms[id], MediaPayload.buckets.contains(stamped.count) else {
            metrics.dropped(.malformed)
            return
        }
        send(stamped, to: fanOut(for: room, rooms: rooms), except: nil, now: now, metrics: metrics, batch: batch, control: &control)
    }

    /// Seals `stamped` to every recipient of `fanOut` but the sender: by UDP where the member's
    /// address is fresh, otherwise on its control session.
    private mutating func send(_ stamped: [UInt8], to fanOut: MediaFanOut, except sender: (position: Int, session: SessionID)?,
                               now: UInt64, metrics: RelayMetrics, batch: DatagramBatch, control: inout [ControlMedia]) {
        // What goes by TCP is counted when it is written (`RelayCore.flushOutputs`).
        for target in fanOut.controlOnly where target != sender?.session {
            // No media set up (yet): the control session carries it.
            control.append(ControlMedia(session: target, payload: stamped))
        }
        var viaUDP = 0
        stamped.withUnsafeBytes { plain in
            endpoints.withUnsafeMutableBufferPointer { endpoints in
                for position in fanOut.endpoints where position != sender?.position {
                    guard let address = endpoints[position].address, now &- endpoints[position].lastHeard < Self.udpFreshness else {
                        control.append(ControlMedia(session: endpoints[position].session, payload: stamped))
                        continue
                    }
                    batch.append(to: address) { slot in
                        (try? endpoints[position].sender.seal(plain, into: slot)) ?? 0
                    }
                    viaUDP += 1
                }
            }
        }
        metrics.add(.datagramsForwarded, viaUDP)
    }

    /// What a member that may transmit is told of its listeners' loss, for its FEC: the
    /// `lossPercentile` of the fresh reports of everyone else in its room; `Keepalive.noLossFigure` for a
    /// member that may not transmit or when nobody reported.
    private mutating func roomLoss(for session: SessionID, now: UInt64, rooms: RoomTable) -> UInt8 {
        guard let route = rooms.mediaRoute(of: session), let own = positionOfSession[session] else { return Keepalive.noLossFigure }
        var reports: [UInt8] = []
        for position in fanOut(for: route.room, rooms: rooms).endpoints where position != own {
            let report = endpoints[position].lossReport
            if report != Keepalive.noLossFigure, now &- endpoints[position].lossReportedAt < Self.lossReportFreshness {
                reports.append(report)
            }
        }
        guard !reports.isEmpty else { return Keepalive.noLossFigure }
        reports.sort()
        return reports[min(reports.count - 1, Int(Double(reports.count) * Self.lossPercentile))]
    }

    /// Forgets the fan-out list of a room that ended.
    mutating func roomEnded(_ room: OpaqueKey) {
        fanOuts[room] = nil
        fanOuts.shrinkIfSparse()
    }

    /// The room's recipients, rebuilt only when its membership or the endpoints changed.
    private mutating func fanOut(for room: Room, rooms: RoomTable) -> MediaFanOut {
        if let cached = fanOuts[room.id], cached.membershipVersion == room.membershipVersion,
           cached.endpointsVersion == endpointsVersion {
            return cached
        }
        var withMedia: [Int] = []
        var controlOnly: [SessionID] = []
        for member in room.joinOrder {
            if let position = positionOfSession[member] { withMedia.append(position) } else { controlOnly.append(member) }
        }
        let fanOut = MediaFanOut(membershipVersion: room.membershipVersion, endpointsVersion: endpointsVersion,
                                 endpoints: withMedia, controlOnly: controlOnly)
        fanOuts[room.id] = fanOut
        return fanOut
    }
}

extension ParlorProtocolError {
    /// Whether the datagram was refused as a replay (counted apart from forgeries).
    var isReplay: Bool {
        if case .crypto(.replayed) = self { return true }
        return false
    }
}
