import CMemory
import NIOCore
import ParlorCrypto
import ParlorProtocol

/// The relay's brain, confined to its one event loop: control sessions in, room rules applied
/// (`RoomTable`), media routed (`MediaPlane`), notices and frames out. Handlers call it; it never
/// blocks and takes no locks.
final class RelayCore {
    /// One control session's state beyond the room table's.
    struct Session {
        let channel: any Channel
        var established: NoiseResponderHandler.Established?
        /// A `create_room` waiting for its host's `join`.
        var pendingCreate: CreateRoom?
        /// The grant this member's role rests on (its signature is revoked on a move to the audience).
        var grantSignature: [UInt8]?
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
    private(set) var rooms: RoomTable
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
    /// Epoch of the last key delivery per room, told to members as they join.
    private var epochs: [OpaqueKey: UInt64] = [:]
    /// The wall clock in Unix seconds, for grant expiry (injectable for tests).
    let unixTime: () -> UInt64
    /// A test seam: what a deviating relay sends instead (nil, the honest relay, in production).
    var deviation: RelayDeviation?

    init(limits: RelayLimits, metrics: RelayMetrics, log: RelayLog, udpPort: UInt16, unixTime: @escaping () -> UInt64) {
        self.limits = limits
        self.metrics = metrics
        self.log = log
        self.udpPort = udpPort
        self.unixTime = unixTime
        rooms = RoomTable(limits: limits)
        media = MediaPlane(limits: limits)
    }

    var sessionCount: Int { sessions.count }

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
        deliver(rooms.leave(session: id))
        roomsChanged()
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
        do {
            try handle(message, from: id, now: now)
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
            guard rooms.room(of: id) == nil else { throw RoomRefusal.alreadyInARoom }
            // Only the holder of the key a room id names may create it (its `join` proves it
            // holds the key), under a charter that key signed: an impostor gets nothing, after a
            // relay restart too.
            guard let named = try? RoomKeys.roomID(hostKey: create.hostKey), named == create.roomID else {
                metrics.dropped(.unauthenticated)
                throw ErrorMessage.Code.roomExists
            }
            do {
                try create.charter.verify(roomID: create.roomID, hostKey: create.hostKey)
            } catch {
                metrics.dropped(.unauthenticated)
                throw ErrorMessage.Code.badGrant
            }
            sessions[id]?.pendingCreate = create
        case .join(let join):
            guard sessions[id]?.joinBucket.take(now: now) == true else {
                metrics.dropped(.rateLimited)
                throw ErrorMessage.Code.rateLimited
            }
            try self.join(join, from: id)
        case .charterUpdate(let update):
            try updateCharter(update.charter, from: id)
        case .leave:
            deliver(rooms.leave(session: id))
            roomsChanged()
        case .profileSet(let profile):
            guard profile.blob.count <= Self.maxProfileBytes else { throw ErrorMessage.Code.malformedMessage }
            deliver(try rooms.setProfile(session: id, blob: profile.blob))
        case .grantPresent(let present):
            let role = try verify(present.grant, forMember: try ownKey(id), room: try roomID(of: id))
            let deliveries = try rooms.changeRole(session: id, to: role, grantSignature: present.grant.signature)
            sessions[id]?.grantSignature = present.grant.signature
            deliver(deliveries)
        case .handRaise:
            deliver(try rooms.setHand(session: id, raised: true))
        case .handLower(let lower):
            try lowerHand(lower.memberKey, from: id)
        case .moderation(let moderation):
            try moderate(moderation, from: id)
        case .keyDelivery(let delivery):
            try deliverKeys(delivery, from: id)
        case .blobSend(let send):
            try relayBlob(send.blob, from: id, now: now)
        case .mediaOverTCP(let carried):
            media.receive(tcpPayload: carried.payload, from: id, now: now, rooms: rooms, metrics: metrics,
                          batch: datagrams, control: &controlMedia)
            flushOutputs()
        case .directoryRequest:
            let entries = rooms.directory.map { DirectoryEntry(roomID: $0.id.bytes, title: $0.entry, listenerCount: UInt32($0.listeners)) }
            send(.directoryListing(DirectoryListing(rooms: entries)), to: id)
        case .pong, .error, .serverClosing, .joined, .memberJoined, .memberLeft, .profileDelivery,
             .roleChanged, .handUpdate, .directoryListing, .blobDelivery:
            // Messages only the relay sends.
            throw ErrorMessage.Code.unknownMessage
        }
    }

    private func join(_ join: Join, from id: SessionID) throws {
        guard let session = sessions[id], let hash = session.established?.handshakeHash else { throw ErrorMessage.Code.badProof }
        let proofMessage = Join.proofMessage(handshakeHash: hash, roomID: join.roomID, memberKey: join.memberKey, boxKey: join.boxKey)
        guard Ed25519SigningKey.verify(join.proof, of: proofMessage, publicKey: join.memberKey) else {
            metrics.dropped(.unauthenticated)
            throw ErrorMessage.Code.badProof
        }
        guard let room = OpaqueKey(join.roomID), let key = OpaqueKey(join.memberKey), let box = OpaqueKey(join.boxKey),
              (join.profile?.count ?? 0) <= Self.maxProfileBytes else {
            throw ErrorMessage.Code.malformedMessage
        }
        var deliveries: [Delivery]
        if let create = session.pendingCreate, create.roomID == join.roomID, create.hostKey == join.memberKey {
            guard rooms.rooms[room] == nil || rooms.rooms[room]!.hostKey == key else { throw RoomRefusal.roomExists }
            _ = try verify(join.credential, of: join, hostKey: create.hostKey)
            deliveries = try rooms.create(session: id, room: room, hostKey: key, hostBoxKey: box,
                                          directoryEntry: create.listed ? (create.directoryTitle ?? []) : nil,
                                          charter: create.charter, credential: join.credential)
            metrics.add(.roomsCreated)
        } else {
            guard let hostKey = rooms.rooms[room]?.hostKey else { throw RoomRefusal.noSuchRoom }
            let linkRole = try verify(join.credential, of: join, hostKey: hostKey.bytes)
            var grantRole: Role?
            if let grant = join.grant {
                grantRole = try verify(grant, forMember: key, room: room)
                sessions[id]?.grantSignature = grant.signature
            }
            deliveries = try rooms.join(session: id, room: room, key: key, boxKey: box, linkKey: join.credential.linkKey,
                                        linkRole: linkRole, grantRole: grantRole, grantSignature: join.grant?.signature,
                                        credential: join.credential)
        }
        sessions[id]?.pendingCreate = nil
        metrics.add(.membersJoined)
        log.debug("\(id) joined room \(RelayLog.prefix(join.roomID)) as \(rooms.room(of: id)?.members[id]?.role ?? .listener) (key \(RelayLog.prefix(join.memberKey)))")
        if let profile = join.profile {
            deliveries += try rooms.setProfile(session: id, blob: profile)
        }
        deliver(deliveries)
        roomsChanged()
    }

    /// Checks a member's credential (docs/PROTOCOL.md §7.4) against the room's host key and
    /// returns the role its link gives (host for the host). A binding that does not verify under
    /// the member key is `bad_proof`; an admission, link grant or link role that does not hold is
    /// `bad_grant`. Both are counted as unauthenticated. Whether the link is still in the
    /// room's charter is the room table's rule.
    private func verify(_ credential: MemberCredential, of join: Join, hostKey: [UInt8]) throws -> Role {
        do {
            return try credential.verify(roomID: join.roomID, hostKey: hostKey, memberKey: join.memberKey, boxKey: join.boxKey,
                                         now: unixTime())
        } catch {
            metrics.dropped(.unauthenticated)
            // Verified as if the member were the host, only the binding is checked: which one failed?
            let bindingHolds = (try? credential.verify(roomID: join.roomID, hostKey: join.memberKey, memberKey: join.memberKey,
                                                       boxKey: join.boxKey, now: 0)) != nil
            throw bindingHolds ? ErrorMessage.Code.badGrant : ErrorMessage.Code.badProof
        }
    }

    /// The host signs a new charter (after a ban, with the banned member's link replaced).
    private func updateCharter(_ charter: RoomCharter, from id: SessionID) throws {
        let room = try roomOrRefuse(id)
        // Only the host's session (the room table checks it; checked here first so nobody else
        // costs a signature check).
        guard room.members[id]?.role == .host else { throw RoomRefusal.forbidden }
        do {
            try charter.verify(roomID: room.id.bytes, hostKey: room.hostKey.bytes)
        } catch {
            metrics.dropped(.unauthenticated)
            throw ErrorMessage.Code.badGrant
        }
        deliver(try rooms.updateCharter(session: id, charter: charter))
    }

    /// Checks a grant's signature, room, member and expiry; the signer must be the host or a
    /// current moderator of the room. Returns the role it grants.
    private func verify(_ grant: Grant, forMember key: OpaqueKey, room id: OpaqueKey) throws -> Role {
        guard let room = rooms.rooms[id] else { throw RoomRefusal.noSuchRoom }
        let signers = [room.hostKey] + room.members.values.filter { $0.role.canModerate }.map(\.key)
        guard grant.memberKey == key.bytes, let signer = signers.first(where: { $0.bytes == grant.signerKey }) else {
            metrics.dropped(.unauthenticated)
            throw ErrorMessage.Code.badGrant
        }
        do {
            try grant.verify(roomID: id.bytes, signer: signer.bytes, now: unixTime())
        } catch {
            metrics.dropped(.unauthenticated)
            throw ErrorMessage.Code.badGrant
        }
        return grant.role
    }

    private func lowerHand(_ target: [UInt8]?, from id: SessionID) throws {
        guard let target, target != (try ownKey(id)).bytes else {
            deliver(try rooms.setHand(session: id, raised: false))
            return
        }
        // Dismissing someone else's hand is moderation.
        deliver(try rooms.moderate(session: id, action: .dismissHand, target: OpaqueKey(target)))
    }

    private func moderate(_ moderation: Moderation, from id: SessionID) throws {
        let own = try ownKey(id)
        let target = moderation.target.flatMap(OpaqueKey.init)
        // A member's own microphone is not moderation: any stage member may mute itself, and
        // unmute only itself (nobody turns on someone else's microphone).
        let action: ModerationAction
        switch moderation.act {
        case .unmuteOwn:
            guard target == own else { throw RoomRefusal.forbidden }
            deliver(try rooms.setMuted(session: id, muted: false))
            return
        case .action(.mute) where target == own:
            deliver(try rooms.setMuted(session: id, muted: true))
            return
        case .action(let requested):
            action = requested
        }
        let room = try roomOrRefuse(id)
        let targetSession = target.flatMap { room.session(of: $0) }
        let revoked = targetSession.flatMap { sessions[$0]?.grantSignature }
        let deliveries = try rooms.moderate(session: id, action: action, target: target, revokingGrant: revoked)
        deliver(deliveries)
        if action == .remove || action == .ban, let targetSession {
            media.unregister(session: targetSession)
        }
        roomsChanged()
    }

    /// A host or moderator hands a new epoch's secret to each member, sealed to its box key: each
    /// member receives only its own sealed copy, with the keeper's statement and authority (which
    /// the members check; the relay does not).
    private func deliverKeys(_ delivery: KeyDelivery, from id: SessionID) throws {
        let room = try roomOrRefuse(id)
        guard room.members[id]?.role.canModerate == true else { throw RoomRefusal.forbidden }
        // The epoch the relay records and passes on is the one the statement vouches for.
        guard delivery.epoch == delivery.statement.epoch else { throw ErrorMessage.Code.malformedMessage }
        // Members learn the room's epoch from `joined`: nobody may move it back. The same epoch
        // again is the keeper handing the current secret to a newcomer.
        if let last = epochs[room.id], delivery.epoch < last { throw RoomRefusal.stale }
        epochs[room.id] = delivery.epoch
        for secret in delivery.secrets {
            guard let key = OpaqueKey(secret.memberKey), let session = room.session(of: key) else { continue }
            send(.keyDelivery(KeyDelivery(epoch: delivery.epoch, secrets: [secret], statement: delivery.statement,
                                          authority: delivery.authority)), to: session)
        }
    }

    /// Chat or a reaction: passed to the rest of the room as §4.4 allows, within the session's blob rate.
    private func relayBlob(_ blob: [UInt8], from id: SessionID, now: UInt64) throws {
        guard blob.count <= BlobSend.maximumBytes else { throw ErrorMessage.Code.malformedMessage }
        let deliveries = try rooms.relayBlob(session: id, blob: blob)
        guard sessions[id]?.blobBucket.take(now: now) == true else {
            metrics.dropped(.rateLimited)
            throw ErrorMessage.Code.rateLimited
        }
        deliver(deliveries)
    }

    // MARK: - Media

    /// One datagram from the UDP socket.
    func receive(datagram: [UInt8], from address: SocketAddress, now: UInt64) {
        media.receive(datagram: datagram, from: address, now: now, rooms: rooms, metrics: metrics,
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

    private func roomOrRefuse(_ id: SessionID) throws(RoomRefusal) -> Room {
        guard let room = rooms.room(of: id) else { throw .notInARoom }
        return room
    }

    private func roomID(of id: SessionID) throws(RoomRefusal) -> OpaqueKey { try roomOrRefuse(id).id }

    private func ownKey(_ id: SessionID) throws(RoomRefusal) -> OpaqueKey {
        guard let key = rooms.room(of: id)?.members[id]?.key else { throw .notInARoom }
        return key
    }

    private func send(_ message: ControlMessage, to id: SessionID) {
        guard let channel = sessions[id]?.channel else { return }
        guard let deviation else { return channel.writeAndFlush(message, promise: nil) }
        let recipient = RelayDeviation.Recipient(session: id.value, memberKey: rooms.room(of: id)?.members[id]?.key.bytes)
        for sent in deviation.outbound(message, recipient) { channel.write(sent, promise: nil) }
        channel.flush()
    }

    /// A deviating relay's own messages, sent as they are to a room member's session (`RelayServer.inject`).
    func inject(_ messages: [ControlMessage], toMember memberKey: [UInt8]) -> Bool {
        guard deviation != nil, let key = OpaqueKey(memberKey),
              let session = rooms.rooms.values.lazy.compactMap({ $0.session(of: key) }).first,
              let channel = sessions[session]?.channel else { return false }
        for message in messages { channel.write(message, promise: nil) }
        channel.flush()
        return true
    }

    private func reply(_ id: SessionID, _ code: ErrorMessage.Code, to message: ControlMessage) {
        log.debug("\(id): \(message.type.name) refused with error \(code.rawValue)")
        send(.error(ErrorMessage(code: code.rawValue, text: code.text, inReplyTo: message.type.rawValue)), to: id)
    }

    /// The largest sealed profile the relay keeps (a name and a few fields, sealed).
    static let maxProfileBytes = 1_024

    /// The bytes of roster a `joined` message may carry: what does not fit under the largest
    /// padding bucket follows as `member_joined` messages, the stage first so the room shows its
    /// speakers at once.
    static let rosterBytesPerJoined = 12_000

    /// What one roster entry takes on the wire, at most: keys, role, slot, profile, credential
    /// (297 bytes for a member, 64 for the host), TLV framing.
    static func entryBytes(_ member: RoomMember) -> Int {
        96 + (member.profile?.count ?? 0) + member.credential.encoded.count + 3
    }

    private func deliver(_ deliveries: [Delivery]) {
        for delivery in deliveries {
            if case let .joined(you, roster) = delivery.notice, roster.map(Self.entryBytes).reduce(0, +) > Self.rosterBytesPerJoined {
                let ordered = roster.filter { $0.role.isOnStage } + roster.filter { !$0.role.isOnStage }
                var budget = Self.rosterBytesPerJoined
                let first = Array(ordered.prefix { member in
                    budget -= Self.entryBytes(member)
                    return budget >= 0
                })
                send(controlMessage(for: Delivery(to: delivery.to, notice: .joined(you: you, roster: first)))!, to: delivery.to)
                for member in ordered.dropFirst(first.count) {
                    send(.memberJoined(MemberJoined(member: Self.entry(member))), to: delivery.to)
                }
                continue
            }
            if let message = controlMessage(for: delivery) { send(message, to: delivery.to) }
            switch delivery.notice {
            case .removed, .replaced: sessions[delivery.to]?.channel.close(promise: nil)
            default: break
            }
        }
    }

    private func controlMessage(for delivery: Delivery) -> ControlMessage? {
        switch delivery.notice {
        case let .joined(you, roster):
            let room = rooms.room(of: delivery.to)
            let epoch = room.flatMap { epochs[$0.id] } ?? 0
            return .joined(Joined(memberIndex: UInt32(roster.firstIndex(of: you) ?? roster.count), senderSlot: you.senderSlot, role: you.role,
                                  epoch: epoch, roster: roster.map(Self.entry), charter: room?.charter))
        case let .memberJoined(member): return .memberJoined(MemberJoined(member: Self.entry(member)))
        case let .memberLeft(key): return .memberLeft(MemberLeft(memberKey: key.bytes))
        case let .roleChanged(key, role): return .roleChanged(RoleChanged(memberKey: key.bytes, role: role))
        case let .handRaised(key): return .handUpdate(HandUpdate(memberKey: key.bytes, raised: true))
        case let .handLowered(key): return .handUpdate(HandUpdate(memberKey: key.bytes, raised: false))
        case let .muted(key, muted):
            return .moderation(Moderation(muted ? .action(.mute) : .unmuteOwn, target: key.bytes))
        case let .profile(key, blob): return .profileDelivery(Profile(memberKey: key.bytes, blob: blob))
        case let .blob(from, blob): return .blobDelivery(BlobDelivery(memberKey: from?.bytes, blob: blob))
        case .replaced: return nil
        case let .removed(key, banned, actor):
            return .moderation(Moderation(.action(banned ? .ban : .remove), target: key.bytes, actor: actor.bytes))
        case let .roomEnded(actor): return .moderation(Moderation(.action(.endRoom), target: actor.bytes, actor: actor.bytes))
        case let .charter(charter): return .charterUpdate(CharterUpdate(charter: charter))
        }
    }

    private static func entry(_ member: RoomMember) -> MemberEntry {
        MemberEntry(memberKey: member.key.bytes, boxKey: member.boxKey.bytes, role: member.role,
                    senderSlot: member.senderSlot, profile: member.profile, credential: member.credential)
    }

    /// After rooms were created, joined, left or ended: forgets what the relay kept for rooms
    /// that ended, and updates the open-rooms gauge (logging the change as a count only).
    private func roomsChanged() {
        for ended in rooms.takeEndedRooms() {
            epochs[ended] = nil
            media.roomEnded(ended)
        }
        let open = rooms.rooms.count
        let change = open - metrics.value(.roomsOpen)
        guard change != 0 else { return }
        metrics.add(.roomsOpen, change)
        log.info(change > 0 ? .roomOpened(roomsOpen: open) : .roomClosed(roomsOpen: open))
    }
}
