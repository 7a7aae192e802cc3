import CMemory
import NIOCore
import ParlorCrypto
import ParlorProtocol

/// Local delivery, confined to the relay's one event loop: control sessions in, room requests
/// handed to the rooms' authority (`RoomRules`) and what it decides carried out, media routed
/// (`MediaPlane`), messages and frames out. Handlers call it; it never blocks and takes no locks.
final class RelayCore {
    /// One control session's state beyond the room rules'.
    struct Session {
        let channel: any Channel
        var established: NoiseResponderHandler.Established?
        var bucket: TokenBucket
        /// Chat and reactions fan out to the whole room, so they have a tighter rate of their own.
        var blobBucket: TokenBucket
        /// Joins, so that a join/leave loop cannot burn a room's sender slots.
        var joinBucket: TokenBucket
    }

    let limits: RelayLimits
    let metrics: RelayMetrics
    let log: RelayLog
    var udpPort: UInt16
    /// The authority over every room of this relay.
    private(set) var rules: RoomRules
    private var media: MediaPlane
    private var sessions: [SessionID: Session] = [:]
    private var nextSession: UInt64 = 1
    /// The most sessions open at once since memory was last given back.
    private var sessionsHighWater = 0
    private var memoryReturnScheduled = false
    /// Sends forwarded datagrams on the UDP media socket (NIO reads it); there once it is bound,
    /// stopped before it closes.
    private var datagramSender: DatagramSender?
    /// Datagrams sealed during one read batch, sent together when it ends (or the batch fills).
    private lazy var datagrams = DatagramBatch { [unowned self] batch in self.send(batch) }
    /// Media payloads for control sessions (TCP fallback) produced during one read batch.
    private var controlMedia: [MediaPlane.ControlMedia] = []
    /// A test seam: what a deviating relay sends instead (nil, the honest relay, in production).
    var deviation: RelayDeviation?
    /// The cluster this relay is a node of (`parlor serve --cluster`), or nil: a relay on its own,
    /// the authority over every room on it.
    private var cluster: RelayCluster?
    /// The loop this core lives on (where NATS threads hand work back to it, in a cluster).
    private let loop: any EventLoop
    /// In a cluster: the rooms this node holds the lease of, so applies their rules.
    private var led: Set<OpaqueKey> = []
    /// In a cluster: joins waiting while this node asks to become their room's authority, each
    /// with the number of its attempt (`forwardedJoinAttempts`).
    private var claiming: [OpaqueKey: [(session: SessionID, join: Join, attempt: Int)]] = [:]
    /// In a cluster: each led room's invariants as last handed to the cluster to record.
    private var recorded: [OpaqueKey: RoomInvariants] = [:]
    /// Rule-changing requests waiting, in order, while their room's rules wait (see `inTurn`),
    /// and the rooms whose hold is due to be looked at again.
    private var held = RuleChangeHold()
    private var releaseScheduled: Set<OpaqueKey> = []
    /// Sessions on other nodes whose held join was refused as rate-limited, until when a resend
    /// of it that crossed the refusal is dropped rather than held again (`forwarded`).
    private var refusedForwardedJoins: [SessionID: NIODeadline] = [:]
    /// A test seam: whether a room's rules wait, in place of its lease in a cluster (nil in production).
    var rulesWaitOverride: ((OpaqueKey) -> Bool)?
    /// In a cluster: joins passed to another node's authority and not yet answered.
    private var forwardedJoins: [SessionID: (room: OpaqueKey, join: Join)] = [:]
    /// In a cluster: the subscriptions this node holds for each room with members here (its media
    /// from other nodes; requests from other nodes too where it leads the room), and its own inbox.
    private var roomSubscriptions: [OpaqueKey: [NATSSubscription]] = [:]
    private var inbox: NATSSubscription?
    /// How long a join passed to another node waits for an answer before this node asks for the
    /// room's lease again (the authority it was passed to may have died, its lease not yet run
    /// out, or it holds the join while its rules wait), and how many times: 22 × 0.5 s (11 s)
    /// outlasts a dead authority's 2 s lease, so a member arriving just after the authority died
    /// gets in, through whichever node takes the room over, and outlasts the authority's
    /// `rulesWaitLimit`, so a join it holds is answered first (admitted, or refused
    /// `rate_limited`); after that the member is told the room is not here (and tries again).
    static let forwardedJoinTimeout = TimeAmount.milliseconds(500)
    static let forwardedJoinAttempts = Int((rulesWaitLimit + .seconds(1)).nanoseconds / forwardedJoinTimeout.nanoseconds)

    /// A core living on `loop`.
    init(limits: RelayLimits, metrics: RelayMetrics, log: RelayLog, udpPort: UInt16, loop: any EventLoop,
         unixTime: @escaping () -> UInt64) {
        self.limits = limits
        self.loop = loop
        self.metrics = metrics
        self.log = log
        self.udpPort = udpPort
        rules = RoomRules(limits: limits, metrics: metrics, log: log, unixTime: unixTime)
        media = MediaPlane(limits: limits)
    }

    var sessionCount: Int { sessions.count }

    /// Makes this relay a node of `cluster`.
    func join(_ cluster: RelayCluster) throws {
        self.cluster = cluster
        nextSession = UInt64(cluster.number) << 48 | 1
        let core = NIOLoopBound(self, eventLoop: loop)
        let loop = loop
        inbox = try cluster.listen { inbound in loop.execute { core.value.received(inbound) } }
        media.otherNodes = { room, payload in cluster.publishMedia(payload, room: room) }
        cluster.start { room in loop.execute { core.value.lost(room) } }
        loop.scheduleRepeatedTask(initialDelay: Self.deadNodeSweep, delay: Self.deadNodeSweep) { _ in core.value.sweepDeadNodes() }
    }

    /// How often an authority asks whether the nodes its rooms' members are on still live.
    static let deadNodeSweep = TimeAmount.seconds(2)

    // MARK: - Sessions

    /// A TCP connection arrived; nil when the relay is at its session limit. (The handshake rate
    /// is the `HandshakeGate`'s: it answers with cookies before any Noise work.)
    func open(channel: any Channel, now: UInt64) -> SessionID? {
        guard sessions.count < limits.maxSessions else {
            metrics.dropped(.limitReached)
            return nil
        }
        let id = SessionID(nextSession)
        nextSession += 1
        log.debug("\(id) opened from \(channel.remoteAddress.map { "\($0)" } ?? "?")")
        sessions[id] = Session(channel: channel,
                               bucket: TokenBucket(rate: limits.controlMessagesPerSecond, burst: limits.controlBurst, now: now),
                               blobBucket: TokenBucket(rate: limits.blobsPerSecond, burst: limits.blobBurst, now: now),
                               joinBucket: TokenBucket(rate: limits.joinsPerSecond, burst: limits.joinBurst, now: now))
        metrics.add(.sessionsOpen)
        sessionsHighWater = max(sessionsHighWater, sessions.count)
        return id
    }

    func established(_ id: SessionID, _ info: NoiseResponderHandler.Established) {
        sessions[id]?.established = info
    }

    func close(_ id: SessionID) {
        guard let closed = sessions.removeValue(forKey: id) else { return }
        sessions.shrinkIfSparse()
        log.debug("\(id) closed")
        metrics.add(.sessionsOpen, -1)
        media.unregister(session: id)
        held.drop(session: id)
        if let cluster, let room = forwardedJoins.removeValue(forKey: id)?.room ?? remoteRoom(of: id) ?? claimedAgain(by: id) {
            // Its authority is elsewhere: it hears the member left (and drops the session's held
            // join); here only the shadow goes.
            cluster.forward(.leave, from: id, to: room)
            carrySilently(rules.close(id))
        } else {
            carry(rules.close(id))
        }
        if sessionsHighWater >= Self.sessionsWorthReturningMemory, sessions.count * 4 <= sessionsHighWater {
            returnMemorySoon(on: closed.channel.eventLoop)
        }
    }

    /// A relay that never held more sessions than this keeps little worth giving back.
    static let sessionsWorthReturningMemory = 64
    /// How long the relay waits, once most of its sessions have gone, before giving memory back:
    /// long enough for the closed channels to be torn down and freed first.
    static let memoryReturnDelay = TimeAmount.seconds(1)

    /// The allocator keeps what thousands of sessions freed (the tables themselves shrink as they
    /// empty), and the datagram batches stay resident after a large fan-out. Once three quarters
    /// of the sessions since the busiest moment have gone, give both back after
    /// `memoryReturnDelay`, so a relay returns near its starting size when its crowd leaves.
    /// Rare (each time the crowd shrinks fourfold), and milliseconds at most.
    private func returnMemorySoon(on loop: any EventLoop) {
        guard !memoryReturnScheduled else { return }
        memoryReturnScheduled = true
        let core = NIOLoopBound(self, eventLoop: loop)
        loop.scheduleTask(in: Self.memoryReturnDelay) {
            let core = core.value
            core.memoryReturnScheduled = false
            core.sessionsHighWater = core.sessions.count
            core.datagrams.releasePages()
            core.datagramSender?.releaseSpareMemory()
            _ = parlor_return_free_memory()
        }
    }

    /// Tells every session the relay is closing; they reconnect after `retryAfter` seconds.
    func announceClosing(retryAfter: UInt64) {
        for session in sessions.values {
            session.channel.writeAndFlush(ControlMessage.serverClosing(ServerClosing(reason: "relay restarting", retryAfterSeconds: retryAfter)), promise: nil)
        }
    }

    // MARK: - Control

    func receive(_ message: ControlMessage, from id: SessionID, now: UInt64) {
        guard var session = sessions[id] else { return }
        guard session.bucket.take(now: now) else {
            sessions[id] = session
            metrics.dropped(.rateLimited)
            reply(id, .rateLimited, to: message)
            return
        }
        sessions[id] = session
        answer(message, from: id) { try handle(message, from: id, now: now) }
    }

    /// Runs `body`, the handling of `message`, and answers a refusal with its error.
    private func answer(_ message: ControlMessage, from id: SessionID, _ body: () throws -> Void) {
        do {
            try body()
            if let cluster, let room = rules.rooms.room(of: id)?.id { record(room, in: cluster) }
        } catch let refusal as RoomRefusal {
            metrics.dropped(.forbidden)
            reply(id, ErrorMessage.Code(refusal), to: message)
        } catch let code as ErrorMessage.Code {
            reply(id, code, to: message)
        } catch {
            metrics.dropped(.malformed)
            reply(id, .malformedMessage, to: message)
        }
    }

    private func handle(_ message: ControlMessage, from id: SessionID, now: UInt64) throws {
        switch message {
        case .ping(let ping):
            send(.pong(Pong(nonce: ping.nonce)), to: id)
        case .mediaSetup(let setup):
            guard let keys = sessions[id]?.established?.mediaKeys else { throw ErrorMessage.Code.mediaNotSetUp }
            let index = media.register(session: id, keys: keys, clientReceiverIndex: setup.receiverIndex, now: now)
            send(.mediaSetup(MediaSetup(receiverIndex: index, udpPort: udpPort)), to: id)
        case .createRoom(let create):
            carry(try rules.apply(.createRoom(create), from: id))
        case .join(let join):
            guard sessions[id]?.joinBucket.take(now: now) == true else {
                metrics.dropped(.rateLimited)
                throw ErrorMessage.Code.rateLimited
            }
            try checkProof(of: join, from: id)
            try admit(join, from: id)
        case .charterUpdate(let update):
            try route(.charterUpdate(update.charter), message, from: id)
        case .leave:
            try route(.leave, message, from: id)
        case .profileSet(let profile):
            try route(.profileSet(profile.blob), message, from: id)
        case .grantPresent(let present):
            try route(.grantPresent(present.grant), message, from: id)
        case .handRaise:
            try route(.handRaise, message, from: id)
        case .handLower(let lower):
            try route(.handLower(lower.memberKey), message, from: id)
        case .moderation(let moderation):
            try route(.moderation(moderation), message, from: id)
        case .keyDelivery(let delivery):
            try route(.keyDelivery(delivery), message, from: id)
        case .blobSend(let send):
            // Chat or a reaction: passed to the rest of the room as §4.4 allows, within the
            // session's blob rate (taken only from a member of a room).
            guard send.blob.count <= BlobSend.maximumBytes else { throw ErrorMessage.Code.malformedMessage }
            guard rules.memberKey(of: id) != nil else { throw RoomRefusal.notInARoom }
            guard sessions[id]?.blobBucket.take(now: now) == true else {
                metrics.dropped(.rateLimited)
                throw ErrorMessage.Code.rateLimited
            }
            try route(.blob(send.blob), message, from: id)
        case .mediaOverTCP(let carried):
            media.receive(tcpPayload: carried.payload, from: id, now: now, rooms: rules.rooms, metrics: metrics,
                          batch: datagrams, control: &controlMedia)
            flushOutputs()
        case .directoryRequest:
            carry(try rules.apply(.directory, from: id))
        case .pong, .error, .serverClosing, .joined, .memberJoined, .memberLeft, .profileDelivery,
             .roleChanged, .handUpdate, .directoryListing, .blobDelivery:
            // Messages only the relay sends.
            throw ErrorMessage.Code.unknownMessage
        }
    }

    /// Lets a join whose proof was checked into its room: here, or, in a cluster, through the
    /// room's authority (claiming the room when nobody leads it). While the room's rules wait the
    /// join is held in turn with the room's other rule changes (see `inTurn`).
    private func admit(_ join: Join, from id: SessionID) throws {
        guard let room = OpaqueKey(join.roomID) else { return carry(try rules.apply(.join(join), from: id)) }
        if cluster != nil, !led.contains(room) { return claim(room, for: join, from: id) }
        try inTurn(.join(join), .join(join), from: id, room: room)
    }

    /// How often the requests held for a room's rules are looked at again, and how long one is
    /// held before it is refused as rate-limited (the client tries a join again; the rest are
    /// lost): 10 s, longer than the 4.3–7.6 s an authority waited when a NATS server leading
    /// JetStream's streams died (docs/CLUSTER.md).
    static let rulesWaitRetry = TimeAmount.milliseconds(250)
    static let rulesWaitLimit = TimeAmount.seconds(10)

    /// Applies a request that changes the rules of `room` — one this relay leads — from a session
    /// here or on another node. While the room's rules wait (`rulesWait`), it is held instead,
    /// behind the room's earlier held requests, and carried out in that order once they may
    /// change again (`release`, every `rulesWaitRetry` and before any newer rule change); held
    /// `rulesWaitLimit`, it is refused as rate-limited, and so is a request beyond the hold's
    /// bounds (`RuleChangeHold`).
    private func inTurn(_ request: RoomRules.Request, _ message: ControlMessage, from id: SessionID, room: OpaqueKey) throws {
        release(room)
        guard rulesWait(room) else { return carry(try rules.apply(request, from: id)) }
        let request = RuleChangeHold.Held(session: id, request: request, message: message, deadline: loop.now + Self.rulesWaitLimit)
        guard held.hold(request, in: room) else {
            metrics.dropped(.rateLimited)
            throw ErrorMessage.Code.rateLimited
        }
        scheduleRelease(of: room)
    }

    /// Carries out `room`'s held requests in order while its rules may change; while they may
    /// not, refuses as rate-limited those held past their deadline. A room no longer led here
    /// (lost, or ended by a request just carried out) lets its held requests go (`letGo`).
    private func release(_ room: OpaqueKey) {
        while let first = held.first(in: room) {
            guard cluster == nil || led.contains(room) else { return letGo(room) }
            if rulesWait(room) {
                guard first.deadline <= loop.now else { return }
                _ = held.removeFirst(in: room)
                metrics.dropped(.rateLimited)
                reply(first.session, .rateLimited, to: first.message)
                if case .join = first.request, let cluster, RelayCluster.node(of: first.session) != cluster.number {
                    refusedForwardedJoins[first.session] = loop.now + Self.forwardedJoinTimeout * 2
                }
            } else {
                _ = held.removeFirst(in: room)
                answer(first.message, from: first.session) { carry(try rules.apply(first.request, from: first.session)) }
            }
        }
    }

    /// Looks at `room`'s hold again after `rulesWaitRetry`, and so on while it holds anything.
    private func scheduleRelease(of room: OpaqueKey) {
        guard releaseScheduled.insert(room).inserted else { return }
        let core = NIOLoopBound(self, eventLoop: loop)
        loop.scheduleTask(in: Self.rulesWaitRetry) {
            let core = core.value
            core.releaseScheduled.remove(room)
            core.release(room)
            if core.held.isHolding(room) { core.scheduleRelease(of: room) }
        }
    }

    /// `room` is no longer led here (its lease was lost, or it emptied): the joins held for it
    /// from sessions here go to whichever node leads it now; the other requests came from its
    /// members, who are told to reconnect, and are dropped.
    private func letGo(_ room: OpaqueKey) {
        for waiting in held.removeAll(in: room) where sessions[waiting.session] != nil {
            guard case .join(let join) = waiting.request else { continue }
            answer(waiting.message, from: waiting.session) { try admit(join, from: waiting.session) }
        }
    }

    /// Whether `room`'s rules wait: in a cluster, `room` is led here but its lease is late.
    private func rulesWait(_ room: OpaqueKey) -> Bool {
        if let rulesWaitOverride { return rulesWaitOverride(room) }
        guard let cluster, led.contains(room) else { return false }
        return !cluster.mayChangeRules(of: room, now: Monotonic.nanoseconds)
    }

    /// Applies a request about the session's room here, or, in a cluster, passes it to the
    /// room's authority on another node (a leave also takes the member out of this node's shadow).
    /// A request that changes the rules of a room led here goes in turn (`inTurn`: held while
    /// the rules wait); leaving, profiles, hands and chat go on at once, and a leave drops the
    /// session's held requests.
    private func route(_ request: RoomRules.Request, _ message: ControlMessage, from id: SessionID) throws {
        if case .leave = request { held.drop(session: id) }
        if request.changesRules, let room = rules.rooms.room(of: id)?.id, cluster == nil || led.contains(room) {
            return try inTurn(request, message, from: id, room: room)
        }
        guard let cluster, let room = remoteRoom(of: id) else { return carry(try rules.apply(request, from: id)) }
        cluster.forward(message, from: id, to: room)
        if case .leave = request { carrySilently(try rules.apply(.leave, from: id)) }
    }

    // MARK: - Cluster

    /// The room whose lease this node asks for again for `id`'s join, unanswered by the authority
    /// it was passed to (`passOn`), which may still hold it.
    private func claimedAgain(by id: SessionID) -> OpaqueKey? {
        claiming.first { $0.value.contains { $0.session == id && $0.attempt > 1 } }?.key
    }

    /// The room of `id`, in a cluster, when another node is its authority (this node keeps a shadow).
    private func remoteRoom(of id: SessionID) -> OpaqueKey? {
        guard cluster != nil, let room = rules.rooms.room(of: id)?.id, !led.contains(room) else { return nil }
        return room
    }

    /// What the rules decided about a shadow room: its messages are the authority's to send, so
    /// only what this node keeps for ended rooms is let go.
    private func carrySilently(_ outcome: RoomRules.Outcome) {
        var kept = RoomRules.Outcome()
        kept.endedRooms = outcome.endedRooms
        carry(kept)
    }

    /// What another node sent this one.
    private func received(_ inbound: RelayCluster.Inbound) {
        switch inbound {
        case .close(let session):
            sessions[session]?.channel.close(promise: nil)
        case .message(let session, let message):
            guard sessions[session] != nil else { return }
            shadow(message, to: session)
            send(message, to: session)
        }
    }

    /// Keeps this node's shadow of a room led elsewhere in step with what its authority tells
    /// this node's members: their admission (slot and role), role changes and microphones.
    private func shadow(_ message: ControlMessage, to session: SessionID) {
        switch message {
        case .joined(let joined):
            guard let (room, join) = forwardedJoins.removeValue(forKey: session),
                  let key = OpaqueKey(join.memberKey), let box = OpaqueKey(join.boxKey),
                  let host = Self.hostKey(of: room, roster: joined.roster, join: join),
                  let charter = joined.charter else { return }
            let fresh = rules.rooms.rooms[room] == nil
            rules.shadow(RoomMember(session: session, key: key, boxKey: box, role: joined.role, senderSlot: joined.senderSlot,
                                    credential: join.credential), in: room, hostKey: host, charter: charter)
            if fresh { subscribe(room, requests: false) }
            carry(RoomRules.Outcome())
        case .error(let error) where error.inReplyToType == .join || error.inReplyToType == .createRoom:
            forwardedJoins[session] = nil
        case .roleChanged(let change) where change.memberKey == rules.memberKey(of: session)?.bytes:
            rules.shadowUpdate(session: session, role: change.role)
        case .moderation(let moderation) where moderation.target == rules.memberKey(of: session)?.bytes:
            switch moderation.act {
            case .action(.mute): rules.shadowUpdate(session: session, muted: true)
            case .unmuteOwn: rules.shadowUpdate(session: session, muted: false)
            default: break
            }
        default: break
        }
    }

    /// As an authority: asks which nodes that members of its rooms are on have died (their
    /// `node.<number>` lease expired), then takes those members out, as if they had left.
    private func sweepDeadNodes() {
        guard let cluster else { return }
        let sessionsElsewhere = led.flatMap { rules.rooms.rooms[$0]?.joinOrder ?? [] }.filter { RelayCluster.node(of: $0) != cluster.number }
        let nodes = Set(sessionsElsewhere.map(RelayCluster.node(of:)))
        guard !nodes.isEmpty else { return }
        let core = NIOLoopBound(self, eventLoop: loop)
        let loop = loop
        cluster.deadNodes(among: nodes) { dead in
            guard !dead.isEmpty else { return }
            loop.execute { core.value.forgetSessions(onNodes: dead) }
        }
    }

    private func forgetSessions(onNodes dead: Set<UInt16>) {
        for room in led {
            for session in rules.rooms.rooms[room]?.joinOrder ?? [] where dead.contains(RelayCluster.node(of: session)) {
                held.drop(session: session)
                carry(rules.close(session))
            }
        }
    }

    /// The host key of `room` as a member's admission shows it: the host's roster entry, or, with
    /// the host away, the signer of the member's link grant — taken only if it names the room.
    private static func hostKey(of room: OpaqueKey, roster: [MemberEntry], join: Join) -> OpaqueKey? {
        let candidates = roster.filter { $0.role == .host }.map(\.memberKey) + [join.memberKey, join.credential.linkGrant?.signerKey].compactMap { $0 }
        return candidates.first { (try? RoomKeys.roomID(hostKey: $0)) == room.bytes }.flatMap(OpaqueKey.init)
    }

    /// A request another node passed to `room`'s authority, from a session on that node. A
    /// rule change goes in turn, as a local one does (`inTurn`: held while the room's rules
    /// wait). The join's node resends a join and the `create_room` before it until answered
    /// (`passOn`), so a resend of one the session already holds is dropped: each is held, and
    /// applied, once (other requests are not resent, so a second alike is held as a second).
    /// A leave drops the session's held requests.
    private func forwarded(_ message: ControlMessage, from session: SessionID, room: OpaqueKey) {
        guard led.contains(room), let request = RoomRules.Request(message) else { return metrics.dropped(.forbidden) }
        guard request.changesRules else {
            if case .leave = request { held.drop(session: session) }
            return answer(message, from: session) { carry(try rules.apply(request, from: session)) }
        }
        switch request {
        case .join, .createRoom: guard !held.holds(message, from: session), !joinWasRefused(session) else { return }
        default: break
        }
        answer(message, from: session) { try inTurn(request, message, from: session, room: room) }
    }

    /// Whether `session`'s forwarded join was refused as rate-limited within the last two
    /// `forwardedJoinTimeout`s: a resend that crossed the refusal, which its node stops asking
    /// about once the refusal reaches it. Held again, it could be admitted for a member nobody
    /// asks for any more. Forgets refusals older than that.
    private func joinWasRefused(_ session: SessionID) -> Bool {
        let now = loop.now
        refusedForwardedJoins = refusedForwardedJoins.filter { $0.value > now }
        return refusedForwardedJoins[session] != nil
    }

    /// Subscribes to `room`'s media from other nodes and, where this node leads it, to the
    /// requests they pass on.
    private func subscribe(_ room: OpaqueKey, requests: Bool) {
        guard let cluster else { return }
        let core = NIOLoopBound(self, eventLoop: loop)
        let loop = loop
        do {
            if roomSubscriptions[room] == nil {
                roomSubscriptions[room] = [try cluster.media(for: room) { payload in
                    loop.execute { core.value.mediaFromOtherNode(payload, room: room) }
                }, try cluster.moves(of: room) {
                    loop.execute { core.value.authorityMoved(room) }
                }]
            }
            if requests {
                roomSubscriptions[room]!.append(try cluster.requests(for: room) { session, message in
                    loop.execute { core.value.forwarded(message, from: session, room: room) }
                })
            }
        } catch {
            metrics.dropped(.sendFailed)
        }
    }

    /// Another node took over `room`'s authority: it does not know the members the last one
    /// admitted here, so they are told to reconnect (`server_closing`) and join again through it.
    private func authorityMoved(_ room: OpaqueKey) {
        guard !led.contains(room) else { return }
        log.info(.authorityLost)
        for session in rules.rooms.rooms[room]?.joinOrder ?? [] {
            send(.serverClosing(ServerClosing(reason: "room moved to another relay", retryAfterSeconds: 1)), to: session)
            sessions[session]?.channel.close(promise: nil)
        }
    }

    private func mediaFromOtherNode(_ payload: [UInt8], room: OpaqueKey) {
        media.receive(fromOtherNode: payload, room: room, now: Monotonic.nanoseconds, rooms: rules.rooms, metrics: metrics,
                      batch: datagrams, control: &controlMedia)
        flushOutputs()
    }

    /// Parks a join to a room this node does not lead and, for the first such join, asks the
    /// cluster for the room's authority; the joins go on in `claimed`.
    private func claim(_ room: OpaqueKey, for join: Join, from id: SessionID, attempt: Int = 1) {
        claiming[room, default: []].append((id, join, attempt))
        guard claiming[room]!.count == 1, let cluster, let loop = sessions[id]?.channel.eventLoop else { return }
        let core = NIOLoopBound(self, eventLoop: loop)
        cluster.claim(room) { claim in loop.execute { core.value.claimed(room, claim) } }
    }

    /// The cluster answered a claim: as the authority, this node takes on what the last one
    /// recorded (slots already moved on by `RelayCluster.slotsSkippedAtTakeover` when the lease
    /// came from elsewhere) and lets the waiting joins in; otherwise they are passed on to the
    /// room's authority.
    private func claimed(_ room: OpaqueKey, _ claim: RelayCluster.Claim) {
        let waiting = claiming.removeValue(forKey: room) ?? []
        var restored = true
        if case .held(let invariants, _) = claim {
            if let invariants {
                restored = (try? rules.restore(room: room, invariants)) != nil
                recorded[room] = rules.invariants(of: room)
            }
            if restored {
                led.insert(room)
                subscribe(room, requests: true)
                if case .held(.some, taken: true) = claim { cluster?.announceMove(of: room) }
            }
        }
        for (session, join, attempt) in waiting where sessions[session] != nil {
            guard led.contains(room) else {
                passOn(join, from: session, to: room, attempt: attempt)
                continue
            }
            answer(.join(join), from: session) { try admit(join, from: session) }
        }
    }

    /// Passes a join (and the `create_room` before it, if any) to the room's authority on another
    /// node; without an answer in `forwardedJoinTimeout` this node claims the room again, up to
    /// `forwardedJoinAttempts` times, then the member hears `no_such_room`.
    private func passOn(_ join: Join, from session: SessionID, to room: OpaqueKey, attempt: Int) {
        guard let cluster else { return }
        if let create = rules.pendingCreate(of: session), create.roomID == join.roomID {
            cluster.forward(.createRoom(create), from: session, to: room)
        }
        cluster.forward(.join(join), from: session, to: room)
        forwardedJoins[session] = (room, join)
        let core = NIOLoopBound(self, eventLoop: loop)
        loop.scheduleTask(in: Self.forwardedJoinTimeout) {
            let core = core.value
            guard core.forwardedJoins[session]?.join == join else { return }
            core.forwardedJoins[session] = nil
            if attempt < Self.forwardedJoinAttempts {
                core.claim(room, for: join, from: session, attempt: attempt + 1)
            } else {
                core.reply(session, .noSuchRoom, to: .join(join))
            }
        }
    }

    /// Hands `room`'s invariants to the cluster when they changed since last recorded.
    private func record(_ room: OpaqueKey, in cluster: RelayCluster) {
        guard led.contains(room), let invariants = rules.invariants(of: room), invariants != recorded[room] else { return }
        recorded[room] = invariants
        cluster.record(invariants, for: room)
    }

    /// This node is no longer `room`'s authority (its lease could not be renewed, or another node
    /// took over): its members here are closed, to join again where the room now is.
    private func lost(_ room: OpaqueKey) {
        guard led.remove(room) != nil else { return }
        recorded[room] = nil
        letGo(room)
        log.info(.authorityLost)
        for session in rules.rooms.rooms[room]?.joinOrder ?? [] {
            send(.serverClosing(ServerClosing(reason: "room moved to another relay", retryAfterSeconds: 1)), to: session)
            if let cluster, RelayCluster.node(of: session) != cluster.number {
                cluster.close(session)
            } else {
                sessions[session]?.channel.close(promise: nil)
            }
        }
    }

    /// A join's proof: the member key signed this session's handshake hash with the room and
    /// its keys, so a join cannot be replayed on another connection.
    private func checkProof(of join: Join, from id: SessionID) throws {
        guard let hash = sessions[id]?.established?.handshakeHash else { throw ErrorMessage.Code.badProof }
        let proofMessage = Join.proofMessage(handshakeHash: hash, roomID: join.roomID, memberKey: join.memberKey, boxKey: join.boxKey)
        guard Ed25519SigningKey.verify(join.proof, of: proofMessage, publicKey: join.memberKey) else {
            metrics.dropped(.unauthenticated)
            throw ErrorMessage.Code.badProof
        }
    }

    // MARK: - Media

    /// One datagram from the UDP socket.
    func receive(datagram: [UInt8], from address: SocketAddress, now: UInt64) {
        media.receive(datagram: datagram, from: address, now: now, rooms: rules.rooms, metrics: metrics,
                      batch: datagrams, control: &controlMedia)
    }

    /// Sends what the datagrams of one read batch produced: the UDP datagrams with sendmmsg, the
    /// TCP fallback payloads on their control sessions.
    func flushOutputs() {
        datagrams.flush()
        for carried in controlMedia {
            guard let channel = sessions[carried.session]?.channel else { continue }
            // Above the channel's write high-water mark (`RelayServer.controlWriteBacklog`) the
            // member is not reading, on a stalled path or on purpose: its media is dropped, so
            // the relay never holds more than that for anyone.
            guard channel.isWritable else {
                metrics.dropped(.slowReceiver)
                continue
            }
            metrics.add(.tcpMediaForwarded)
            let message = ControlMessage.mediaOverTCP(MediaOverTCP(payload: carried.payload))
            if deviation != nil {
                send(message, to: carried.session)
            } else {
                channel.writeAndFlush(message, promise: nil)
            }
        }
        controlMedia.removeAll(keepingCapacity: true)
    }

    /// Starts sending forwarded datagrams on the bound UDP media socket `fd`.
    func attachUDP(_ fd: Int32) {
        datagramSender = DatagramSender(fd: fd, metrics: metrics)
    }

    /// Sends what is queued and stops using the UDP socket (before NIO closes it).
    func detachUDP() {
        flushOutputs()
        datagramSender?.stop()
        datagramSender = nil
    }

    private func send(_ batch: DatagramBatch) {
        guard let datagramSender else {
            metrics.dropped(.sendFailed, batch.count)
            return
        }
        datagramSender.enqueue(batch)
    }

    // MARK: - Helpers

    private func send(_ message: ControlMessage, to id: SessionID) {
        if let cluster, RelayCluster.node(of: id) != cluster.number { return cluster.deliver(message, to: id) }
        guard let channel = sessions[id]?.channel else { return }
        guard let deviation else { return channel.writeAndFlush(message, promise: nil) }
        let recipient = RelayDeviation.Recipient(session: id.value, memberKey: rules.memberKey(of: id)?.bytes)
        for sent in deviation.outbound(message, recipient) { channel.write(sent, promise: nil) }
        channel.flush()
    }

    /// A deviating relay's own messages, sent as they are to a room member's session (`RelayServer.inject`).
    func inject(_ messages: [ControlMessage], toMember memberKey: [UInt8]) -> Bool {
        guard deviation != nil, let key = OpaqueKey(memberKey),
              let session = rules.session(ofMember: key),
              let channel = sessions[session]?.channel else { return false }
        for message in messages { channel.write(message, promise: nil) }
        channel.flush()
        return true
    }

    private func reply(_ id: SessionID, _ code: ErrorMessage.Code, to message: ControlMessage) {
        log.debug("\(id): \(message.type.name) refused with error \(code.rawValue)")
        send(.error(ErrorMessage(code: code.rawValue, text: code.text, inReplyTo: message.type.rawValue)), to: id)
    }

    /// Carries out what the room rules decided: each message to its session (those on other
    /// nodes batched per node), then the sessions to close and the media to stop; forgets the
    /// fan-outs of rooms that ended and updates the open-rooms gauge (logging the change as a
    /// count only).
    private func carry(_ outcome: RoomRules.Outcome) {
        // Messages for sessions on other nodes cross as one NATS message a node (a rekey's too).
        var remote: [UInt16: [(to: SessionID, message: ControlMessage)]] = [:]
        for (to, message) in outcome.messages {
            if let cluster, RelayCluster.node(of: to) != cluster.number {
                remote[RelayCluster.node(of: to), default: []].append((to, message))
            } else {
                send(message, to: to)
            }
        }
        for (node, messages) in remote { cluster?.deliver(messages, toNode: node) }
        for session in outcome.closing {
            if let cluster, RelayCluster.node(of: session) != cluster.number {
                cluster.close(session)
            } else {
                sessions[session]?.channel.close(promise: nil)
            }
        }
        for session in outcome.mediaStopped { media.unregister(session: session) }
        for ended in outcome.endedRooms {
            media.roomEnded(ended)
            for subscription in roomSubscriptions.removeValue(forKey: ended) ?? [] { subscription.cancel() }
            if let cluster, led.remove(ended) != nil {
                recorded[ended] = nil
                cluster.emptied(ended)
            }
        }
        let open = rules.rooms.rooms.count
        let change = open - metrics.value(.roomsOpen)
        guard change != 0 else { return }
        metrics.add(.roomsOpen, change)
        log.info(change > 0 ? .roomOpened(roomsOpen: open) : .roomClosed(roomsOpen: open))
    }
}

extension RoomRules.Request {
    /// Whether the request changes what a room's authority alone may change — admission, roles,
    /// grants, bans, the charter, the epoch — and so waits while the authority's lease does.
    /// Leaving, profiles, hands, chat and the directory change none of the room's invariants.
    var changesRules: Bool {
        switch self {
        case .createRoom, .join, .charterUpdate, .grantPresent, .moderation, .keyDelivery: true
        case .leave, .profileSet, .handRaise, .handLower, .blob, .directory: false
        }
    }
}
