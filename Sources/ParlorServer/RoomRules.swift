import ParlorCrypto
import ParlorProtocol

/// The rooms' rules, apart from how their messages reach anyone: the authority over each room.
///
/// It holds what must have one owner per room — who is in it and with which role, the sender
/// slots given out (never reused), the current epoch, revoked grants, bans, the charter — checks
/// every request against the room table and the moderation table, and answers with control
/// messages addressed to sessions. It never touches a socket: `RelayCore` (local delivery: the
/// sessions, their hop keys, the media fan-out) hands it each room request and carries out what
/// it returns. See docs/ARCHITECTURE.md, "The seam".
///
/// The session's Noise handshake stays with local delivery: a `join` arrives here with its proof
/// already checked against the session's handshake hash.
struct RoomRules {
    /// A request about a room, from one session.
    enum Request {
        case createRoom(CreateRoom)
        /// A join whose proof the session's relay checked.
        case join(Join)
        case leave
        case charterUpdate(RoomCharter)
        case profileSet([UInt8])
        case grantPresent(Grant)
        case handRaise
        /// Lowers the sender's own hand (nil or its own key) or, as moderation, another member's.
        case handLower([UInt8]?)
        case moderation(Moderation)
        case keyDelivery(KeyDelivery)
        /// Chat or a reaction, already within the session's blob rate.
        case blob([UInt8])
        case directory

        /// The request a control message another node passed on makes (its node checked the
        /// session's join proof and rates); nil for one that is not about a room.
        init?(_ message: ControlMessage) {
            switch message {
            case .createRoom(let create): self = .createRoom(create)
            case .join(let join): self = .join(join)
            case .leave: self = .leave
            case .charterUpdate(let update): self = .charterUpdate(update.charter)
            case .profileSet(let profile): self = .profileSet(profile.blob)
            case .grantPresent(let present): self = .grantPresent(present.grant)
            case .handRaise: self = .handRaise
            case .handLower(let lower): self = .handLower(lower.memberKey)
            case .moderation(let moderation): self = .moderation(moderation)
            case .keyDelivery(let delivery): self = .keyDelivery(delivery)
            case .blobSend(let send): self = .blob(send.blob)
            default: return nil
            }
        }
    }

    /// What one request (or a closed session) produced, for local delivery to carry out in order.
    struct Outcome {
        /// Control messages, each for one session, in the order they are to be sent.
        var messages: [(to: SessionID, message: ControlMessage)] = []
        /// Sessions to close after their messages (removed, banned, or replaced by a reconnect).
        var closing: [SessionID] = []
        /// Sessions whose media stops at once (removed or banned).
        var mediaStopped: [SessionID] = []
        /// Rooms that ended (emptied or ended by a moderator).
        var endedRooms: [OpaqueKey] = []
    }

    /// The largest sealed profile the relay keeps (a name and a few fields, sealed).
    static let maxProfileBytes = 1_024

    /// The bytes of roster a `joined` message may carry: what does not fit under the largest
    /// padding bucket follows as `member_joined` messages, the stage first so the room shows its
    /// speakers at once.
    static let rosterBytesPerJoined = 12_000

    let metrics: RelayMetrics
    let log: RelayLog
    /// The wall clock in Unix seconds, for grant expiry (injectable for tests).
    let unixTime: () -> UInt64
    private(set) var rooms: RoomTable
    /// Epoch of the last key delivery per room, told to members as they join.
    private var epochs: [OpaqueKey: UInt64] = [:]
    /// A `create_room` waiting for its host's `join`, per session.
    private var pendingCreates: [SessionID: CreateRoom] = [:]
    /// The grant each member's role rests on (its signature is revoked on a move to the audience).
    private var grantSignatures: [SessionID: [UInt8]] = [:]

    init(limits: RelayLimits, metrics: RelayMetrics, log: RelayLog, unixTime: @escaping () -> UInt64) {
        self.metrics = metrics
        self.log = log
        self.unixTime = unixTime
        rooms = RoomTable(limits: limits)
    }

    /// The member key of `session`, when it is in a room.
    func memberKey(of session: SessionID) -> OpaqueKey? { rooms.room(of: session)?.members[session]?.key }

    /// The session of the member whose key is `key`, in whichever room.
    func session(ofMember key: OpaqueKey) -> SessionID? {
        rooms.rooms.values.lazy.compactMap { $0.session(of: key) }.first
    }

    /// What of room `id` must outlive this authority, or nil when there is no such room.
    func invariants(of id: OpaqueKey) -> RoomInvariants? {
        rooms.invariants(of: id, epoch: epochs[id] ?? 0)
    }

    /// Takes on room `id`'s invariants from the authority before this one: slots go on where it
    /// left them and the epoch never moves back (`RoomTable.restore`).
    mutating func restore(room id: OpaqueKey, _ invariants: RoomInvariants) throws(RoomRefusal) {
        try rooms.restore(room: id, invariants)
        if invariants.epoch > 0 { epochs[id] = max(epochs[id] ?? 0, invariants.epoch) }
    }

    /// The `create_room` `session` sent and has not yet followed with its `join`.
    func pendingCreate(of session: SessionID) -> CreateRoom? { pendingCreates[session] }

    /// In a cluster, on a node that is not room `id`'s authority: this node's member as the
    /// authority admitted it (`RoomTable.shadow`), for the media path.
    mutating func shadow(_ member: RoomMember, in id: OpaqueKey, hostKey: OpaqueKey, charter: RoomCharter) {
        rooms.shadow(member, in: id, hostKey: hostKey, charter: charter)
    }

    /// A shadowed member's role or microphone changed, as the authority told it.
    mutating func shadowUpdate(session: SessionID, role: Role? = nil, muted: Bool? = nil) {
        rooms.shadowUpdate(session: session, role: role, muted: muted)
    }

    /// A session closed: it leaves its room and everything kept for it goes.
    mutating func close(_ session: SessionID) -> Outcome {
        pendingCreates[session] = nil
        pendingCreates.shrinkIfSparse()
        grantSignatures[session] = nil
        grantSignatures.shrinkIfSparse()
        var outcome = Outcome()
        deliver(rooms.leave(session: session), into: &outcome)
        return finish(outcome)
    }

    /// Applies one request from `session`. A refusal is thrown (a `RoomRefusal` or an
    /// `ErrorMessage.Code`) and changes nothing.
    mutating func apply(_ request: Request, from session: SessionID) throws -> Outcome {
        var outcome = Outcome()
        switch request {
        case .createRoom(let create):
            try self.create(create, from: session)
        case .join(let join):
            try self.join(join, from: session, into: &outcome)
        case .leave:
            deliver(rooms.leave(session: session), into: &outcome)
        case .charterUpdate(let charter):
            try updateCharter(charter, from: session, into: &outcome)
        case .profileSet(let blob):
            guard blob.count <= Self.maxProfileBytes else { throw ErrorMessage.Code.malformedMessage }
            deliver(try rooms.setProfile(session: session, blob: blob), into: &outcome)
        case .grantPresent(let grant):
            let room = try roomOrRefuse(session).id
            let role = try verify(grant, forMember: try ownKey(session), room: room)
            let deliveries = try rooms.changeRole(session: session, to: role, proof: try proof(of: grant, in: room))
            grantSignatures[session] = grant.signature
            deliver(deliveries, into: &outcome)
        case .handRaise:
            deliver(try rooms.setHand(session: session, raised: true), into: &outcome)
        case .handLower(let target):
            try lowerHand(target, from: session, into: &outcome)
        case .moderation(let moderation):
            try moderate(moderation, from: session, into: &outcome)
        case .keyDelivery(let delivery):
            try deliverKeys(delivery, from: session, into: &outcome)
        case .blob(let blob):
            deliver(try rooms.relayBlob(session: session, blob: blob), into: &outcome)
        case .directory:
            let entries = rooms.directory.map { DirectoryEntry(roomID: $0.id.bytes, title: $0.entry, listenerCount: UInt32($0.listeners)) }
            outcome.messages.append((session, .directoryListing(DirectoryListing(rooms: entries))))
        }
        return finish(outcome)
    }

    // MARK: - Requests

    private mutating func create(_ create: CreateRoom, from session: SessionID) throws {
        guard rooms.room(of: session) == nil else { throw RoomRefusal.alreadyInARoom }
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
        pendingCreates[session] = create
    }

    private mutating func join(_ join: Join, from session: SessionID, into outcome: inout Outcome) throws {
        guard let room = OpaqueKey(join.roomID), let key = OpaqueKey(join.memberKey), let box = OpaqueKey(join.boxKey),
              (join.profile?.count ?? 0) <= Self.maxProfileBytes else {
            throw ErrorMessage.Code.malformedMessage
        }
        var deliveries: [Delivery]
        if let create = pendingCreates[session], create.roomID == join.roomID, create.hostKey == join.memberKey {
            guard rooms.rooms[room] == nil || rooms.rooms[room]!.hostKey == key else { throw RoomRefusal.roomExists }
            _ = try verify(join.credential, of: join, hostKey: create.hostKey)
            deliveries = try rooms.create(session: session, room: room, hostKey: key, hostBoxKey: box,
                                          directoryEntry: create.listed ? (create.directoryTitle ?? []) : nil,
                                          charter: create.charter, credential: join.credential)
            metrics.add(.roomsCreated)
        } else {
            guard let hostKey = rooms.rooms[room]?.hostKey else { throw RoomRefusal.noSuchRoom }
            let linkRole = try verify(join.credential, of: join, hostKey: hostKey.bytes)
            var grantRole: Role?, roleProof: RoleProof?
            if let grant = join.grant {
                grantRole = try verify(grant, forMember: key, room: room)
                roleProof = try proof(of: grant, in: room)
                grantSignatures[session] = grant.signature
            }
            deliveries = try rooms.join(session: session, room: room, key: key, boxKey: box, linkKey: join.credential.linkKey,
                                        linkRole: linkRole, grantRole: grantRole, roleProof: roleProof, credential: join.credential)
        }
        pendingCreates[session] = nil
        metrics.add(.membersJoined)
        log.debug("\(session) joined room \(RelayLog.prefix(join.roomID)) as \(rooms.room(of: session)?.members[session]?.role ?? .listener) (key \(RelayLog.prefix(join.memberKey)))")
        if let profile = join.profile {
            deliveries += try rooms.setProfile(session: session, blob: profile)
        }
        deliver(deliveries, into: &outcome)
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
    private mutating func updateCharter(_ charter: RoomCharter, from session: SessionID, into outcome: inout Outcome) throws {
        let room = try roomOrRefuse(session)
        // Only the host's session (the room table checks it; checked here first so nobody else
        // costs a signature check).
        guard room.members[session]?.role == .host else { throw RoomRefusal.forbidden }
        do {
            try charter.verify(roomID: room.id.bytes, hostKey: room.hostKey.bytes)
        } catch {
            metrics.dropped(.unauthenticated)
            throw ErrorMessage.Code.badGrant
        }
        deliver(try rooms.updateCharter(session: session, charter: charter), into: &outcome)
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

    /// The grants a verified `grant` rests on, passed on with the role it gives so that members
    /// check it: the grant, then its signer's proof, up to a grant the host signed. A moderator
    /// whose own proof is already `RoleProof.maximumGrants` long may not sign (`bad_grant`).
    private func proof(of grant: Grant, in id: OpaqueKey) throws -> RoleProof {
        guard let room = rooms.rooms[id] else { throw RoomRefusal.noSuchRoom }
        if grant.signerKey == room.hostKey.bytes { return RoleProof([grant]) }
        guard let signer = OpaqueKey(grant.signerKey).flatMap({ room.session(of: $0) }).flatMap({ room.members[$0] }),
              let signerProof = signer.roleProof, signerProof.grants.count < RoleProof.maximumGrants else {
            metrics.dropped(.unauthenticated)
            throw ErrorMessage.Code.badGrant
        }
        return signerProof.extended(by: grant)
    }

    private mutating func lowerHand(_ target: [UInt8]?, from session: SessionID, into outcome: inout Outcome) throws {
        guard let target, target != (try ownKey(session)).bytes else {
            deliver(try rooms.setHand(session: session, raised: false), into: &outcome)
            return
        }
        // Dismissing someone else's hand is moderation.
        deliver(try rooms.moderate(session: session, action: .dismissHand, target: OpaqueKey(target)), into: &outcome)
    }

    private mutating func moderate(_ moderation: Moderation, from session: SessionID, into outcome: inout Outcome) throws {
        let own = try ownKey(session)
        let target = moderation.target.flatMap(OpaqueKey.init)
        // A member's own microphone is not moderation: any stage member may mute itself, and
        // unmute only itself (nobody turns on someone else's microphone).
        let action: ModerationAction
        switch moderation.act {
        case .unmuteOwn:
            guard target == own else { throw RoomRefusal.forbidden }
            deliver(try rooms.setMuted(session: session, muted: false), into: &outcome)
            return
        case .action(.mute) where target == own:
            deliver(try rooms.setMuted(session: session, muted: true), into: &outcome)
            return
        case .action(let requested):
            action = requested
        }
        let room = try roomOrRefuse(session)
        let targetSession = target.flatMap { room.session(of: $0) }
        let revoked = targetSession.flatMap { grantSignatures[$0] }
        deliver(try rooms.moderate(session: session, action: action, target: target, revokingGrant: revoked), into: &outcome)
        if action == .remove || action == .ban, let targetSession {
            outcome.mediaStopped.append(targetSession)
        }
    }

    /// A host or moderator hands a new epoch's secret to each member, sealed to its box key: each
    /// member receives only its own sealed copy, with the keeper's statement and authority (which
    /// the members check; the relay does not).
    private mutating func deliverKeys(_ delivery: KeyDelivery, from session: SessionID, into outcome: inout Outcome) throws {
        let room = try roomOrRefuse(session)
        guard room.members[session]?.role.canModerate == true else { throw RoomRefusal.forbidden }
        // The epoch the relay records and passes on is the one the statement vouches for.
        guard delivery.epoch == delivery.statement.epoch else { throw ErrorMessage.Code.malformedMessage }
        // Members learn the room's epoch from `joined`: nobody may move it back. The same epoch
        // again is the keeper handing the current secret to a newcomer.
        if let last = epochs[room.id], delivery.epoch < last { throw RoomRefusal.stale }
        epochs[room.id] = delivery.epoch
        for secret in delivery.secrets {
            guard let key = OpaqueKey(secret.memberKey), let to = room.session(of: key) else { continue }
            outcome.messages.append((to, .keyDelivery(KeyDelivery(epoch: delivery.epoch, secrets: [secret], statement: delivery.statement,
                                                                  authority: delivery.authority, revoked: delivery.revoked))))
        }
    }

    // MARK: - Helpers

    private func roomOrRefuse(_ session: SessionID) throws(RoomRefusal) -> Room {
        guard let room = rooms.room(of: session) else { throw .notInARoom }
        return room
    }

    private func ownKey(_ session: SessionID) throws(RoomRefusal) -> OpaqueKey {
        guard let key = memberKey(of: session) else { throw .notInARoom }
        return key
    }

    /// Collects the rooms that ended, forgetting their epochs.
    private mutating func finish(_ outcome: Outcome) -> Outcome {
        var outcome = outcome
        outcome.endedRooms = rooms.takeEndedRooms()
        for ended in outcome.endedRooms { epochs[ended] = nil }
        return outcome
    }

    /// What one roster entry takes on the wire, at most: keys, role, slot, profile, credential
    /// (297 bytes for a member, 64 for the host), TLV framing.
    static func entryBytes(_ member: RoomMember) -> Int {
        96 + (member.profile?.count ?? 0) + member.credential.encoded.count + 3
    }

    /// Turns the room table's notices into control messages; a `joined` whose roster would not
    /// fit `rosterBytesPerJoined` carries the first part and the rest follows as `member_joined`s.
    private func deliver(_ deliveries: [Delivery], into outcome: inout Outcome) {
        for delivery in deliveries {
            if case let .joined(you, roster) = delivery.notice, roster.map(Self.entryBytes).reduce(0, +) > Self.rosterBytesPerJoined {
                let ordered = roster.filter { $0.role.isOnStage } + roster.filter { !$0.role.isOnStage }
                var budget = Self.rosterBytesPerJoined
                let first = Array(ordered.prefix { member in
                    budget -= Self.entryBytes(member)
                    return budget >= 0
                })
                outcome.messages.append((delivery.to, controlMessage(for: Delivery(to: delivery.to, notice: .joined(you: you, roster: first)))!))
                for member in ordered.dropFirst(first.count) {
                    outcome.messages.append((delivery.to, .memberJoined(MemberJoined(member: Self.entry(member)))))
                }
                continue
            }
            if let message = controlMessage(for: delivery) { outcome.messages.append((delivery.to, message)) }
            switch delivery.notice {
            case .removed, .replaced: outcome.closing.append(delivery.to)
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
        case let .roleChanged(key, role, proof): return .roleChanged(RoleChanged(memberKey: key.bytes, role: role, roleProof: proof))
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
                    senderSlot: member.senderSlot, profile: member.profile, credential: member.credential, roleProof: member.roleProof)
    }
}
