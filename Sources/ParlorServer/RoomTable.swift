import ParlorCrypto
import ParlorProtocol

/// Every room on the relay and who is in which: the relay's whole state, as a pure value.
///
/// Requests come in already authenticated (the Noise session) and with grants already verified
/// (the control handler checks signatures and expiry against `Room.hostKey` and current
/// moderators); the table enforces roles and limits and answers with the notices to send.
/// Nothing here touches a socket or a clock, so every rule is tested directly.
///
/// **Who hears about whom.** Everyone knows the stage (host, moderators, speakers). The audience
/// is known to moderators only: they moderate it and seal new epoch secrets to it. A listener
/// learns no other listener's key, and a join in a room of thousands costs the relay a handful of
/// messages, not thousands. When someone comes up from the audience, members who did not know
/// them get a `memberJoined` in place of the role change.
public struct RoomTable: Sendable {
    public let limits: RelayLimits
    public private(set) var rooms: [OpaqueKey: Room] = [:]
    private var roomOfSession: [SessionID: OpaqueKey] = [:]
    /// Counts membership changes across all rooms: each room's `membershipVersion` comes from it.
    private var membershipChanges: UInt64 = 0
    /// Rooms deleted since the last `takeEndedRooms()`.
    private var endedRooms: [OpaqueKey] = []

    public init(limits: RelayLimits) { self.limits = limits }

    /// The room `session` is in.
    public func room(of session: SessionID) -> Room? {
        roomOfSession[session].flatMap { rooms[$0] }
    }

    /// Creates a room and joins its creator as host. Creating an existing room with the same host
    /// key joins it as host instead (a host reconnecting after the room emptied or the relay
    /// restarted), and replaces the stored charter when `charter` is newer. The caller has checked
    /// that the room id is the one the host key names, the charter's signature and the host's proof.
    public mutating func create(session: SessionID, room id: OpaqueKey, hostKey: OpaqueKey, hostBoxKey: OpaqueKey,
                                directoryEntry: [UInt8]?, charter: RoomCharter,
                                credential: MemberCredential) throws(RoomRefusal) -> [Delivery] {
        if let existing = rooms[id] {
            guard existing.hostKey == hostKey else { throw .roomExists }
            if charter.version > existing.charter.version { rooms[id]!.charter = charter }
        } else {
            guard rooms.count < limits.maxRooms else { throw .tooManyRooms }
            rooms[id] = Room(id: id, hostKey: hostKey, charter: charter)
        }
        if let directoryEntry { rooms[id]!.directoryEntry = directoryEntry }
        return try join(session: session, room: id, key: hostKey, boxKey: hostBoxKey, linkKey: nil, credential: credential)
    }

    /// Adds `session` to a room. The caller has verified the member's credential (`linkKey` and
    /// `linkRole` are what its link gives) and its personal grant, if any (`grantRole`). The table
    /// applies the room's rules: banned keys stay out; a newcomer's link must be in the current
    /// charter (a member admitted before may come back after its link was replaced); the role is
    /// the higher of the link's and the grant's, at most moderator, except that a member moved to
    /// the audience gets its link's stage role back only with a new personal grant, whose proof
    /// (`roleProof`, its grant first) is kept to be passed on with the role.
    public mutating func join(session: SessionID, room id: OpaqueKey, key: OpaqueKey, boxKey: OpaqueKey,
                              linkKey: [UInt8]?, linkRole: Role = .listener, grantRole: Role? = nil,
                              roleProof: RoleProof? = nil, credential: MemberCredential) throws(RoomRefusal) -> [Delivery] {
        let grantSignature = roleProof?.grants.first?.signature
        guard roomOfSession[session] == nil else { throw .alreadyInARoom }
        guard var room = rooms[id] else { throw .noSuchRoom }
        guard !room.banned.contains(key) else { throw .banned }
        let isHost = key == room.hostKey
        if !isHost {
            let linkAdmits = linkKey.map { room.charter.admits(linkKey: $0) } ?? false
            guard linkAdmits || room.admitted.contains(key) else { throw .linkRevoked }
        }
        guard room.members.count < limits.maxMembersPerRoom else { throw .roomFull }
        if let grantSignature, room.revokedGrants.contains(grantSignature) { throw .grantRevoked }
        let fromLink = room.demoted.contains(key) ? Role.listener : min(linkRole, .speaker)
        let role: Role = isHost ? .host : min(max(fromLink, grantRole ?? .listener), .moderator)
        if role.isOnStage, room.stageCount >= limits.maxSpeakersPerRoom, role != .host { throw .stageFull }
        guard room.nextSlot < UInt16.max else { throw .slotsExhausted }

        // The same member key joining again (a reconnect) replaces its old session, which is told
        // (and then closed by the relay) so it cannot linger half in the room.
        var deliveries: [Delivery] = []
        if let stale = room.session(of: key) {
            deliveries += remove(stale, from: &room, notice: .replaced)
        }
        if grantRole != nil { room.demoted.remove(key) }
        if !isHost { room.admitted.insert(key) }
        var member = RoomMember(session: session, key: key, boxKey: boxKey, role: role, senderSlot: room.nextSlot,
                                credential: credential)
        member.roleProof = roleProof
        room.nextSlot += 1
        deliveries += toThoseWhoSee(member, .memberJoined(member), in: room)
        room.members[session] = member
        room.joinOrder.append(session)
        membershipChanges += 1
        room.membershipVersion = membershipChanges
        let visible = role.canModerate ? room.roster : room.roster.filter { $0.role.isOnStage || $0.session == session }
        deliveries.append(Delivery(to: session, notice: .joined(you: member, roster: visible)))
        rooms[id] = room
        roomOfSession[session] = id
        return deliveries
    }

    /// The host replaces the room's charter with a newer one (its signature already checked):
    /// stored for later `joined`s and passed to every moderator and the host, so keepers check
    /// newcomers against the newest list of links.
    public mutating func updateCharter(session: SessionID, charter: RoomCharter) throws(RoomRefusal) -> [Delivery] {
        var room = try roomOf(session)
        guard room.members[session]!.role == .host else { throw .forbidden }
        guard charter.version > room.charter.version else { throw .stale }
        room.charter = charter
        rooms[room.id] = room
        return room.moderators.map { Delivery(to: $0, notice: .charter(charter)) }
    }

    /// Removes `session` from its room (it left, or its connection closed). An empty room is deleted.
    public mutating func leave(session: SessionID) -> [Delivery] {
        guard let id = roomOfSession[session], var room = rooms[id] else { return [] }
        let deliveries = remove(session, from: &room, notice: nil)
        store(room)
        return deliveries
    }

    /// A member presents a newly verified grant for itself (e.g. after an invitation to the
    /// stage); `proof` is the grants it rests on, that grant first.
    public mutating func changeRole(session: SessionID, to requested: Role, proof: RoleProof) throws(RoomRefusal) -> [Delivery] {
        var room = try roomOf(session)
        guard let grantSignature = proof.grants.first?.signature, !room.revokedGrants.contains(grantSignature) else { throw .grantRevoked }
        let current = room.members[session]!
        let role = current.role == .host ? Role.host : min(requested, .moderator)
        if role.isOnStage, !current.role.isOnStage, room.stageCount >= limits.maxSpeakersPerRoom { throw .stageFull }
        // A new personal grant: a member moved to the audience is a member like any other again.
        room.demoted.remove(current.key)
        var deliveries: [Delivery]
        room.members[session]!.role = role
        room.members[session]!.roleProof = role == .host ? nil : proof
        let updated = room.members[session]!
        let notice = RoomNotice.roleChanged(current.key, role, proof: updated.roleProof)
        if current.role.isOnStage || !role.isOnStage {
            deliveries = toThoseWhoSee(updated, notice, in: room)
        } else {
            // Up from the audience: those who could not see them meet them now.
            let moderators = Set(room.moderators)
            deliveries = room.joinOrder.map { to in
                Delivery(to: to, notice: moderators.contains(to) || to == session ? notice : .memberJoined(updated))
            }
        }
        if role.isOnStage, current.handRaised {
            deliveries += lowerHand(session, in: &room)
        }
        rooms[room.id] = room
        return deliveries
    }

    /// Raises or lowers the session's hand; moderators (and the member) hear of it.
    public mutating func setHand(session: SessionID, raised: Bool) throws(RoomRefusal) -> [Delivery] {
        var room = try roomOf(session)
        let member = room.members[session]!
        guard raised != member.handRaised else { return [] }
        if !raised {
            let deliveries = lowerHand(session, in: &room)
            rooms[room.id] = room
            return deliveries
        }
        guard !member.role.isOnStage else { throw .forbidden }
        room.members[session]!.handRaised = true
        room.hands.append(session)
        rooms[room.id] = room
        return toModeratorsAnd(session, .handRaised(member.key), in: room)
    }

    /// A stage member mutes or unmutes itself; everyone hears of it (only the stage is muted, so
    /// the announcement reveals no listener).
    public mutating func setMuted(session: SessionID, muted: Bool) throws(RoomRefusal) -> [Delivery] {
        var room = try roomOf(session)
        guard room.members[session]!.role.isOnStage else { throw .forbidden }
        room.members[session]!.muted = muted
        rooms[room.id] = room
        return broadcast(.muted(room.members[session]!.key, muted), in: room)
    }

    /// A moderator's action, checked against its row of `ModerationAction.rule` (who may do it to
    /// whom: only moderators and the host act, nobody on the host). `revokingGrant` is the
    /// signature of the target's current grant, voided on a move to the audience, a removal or a ban.
    public mutating func moderate(session: SessionID, action: ModerationAction, target key: OpaqueKey?,
                                  revokingGrant: [UInt8]? = nil) throws(RoomRefusal) -> [Delivery] {
        var room = try roomOf(session)
        let actor = room.members[session]!
        guard actor.role >= action.rule.actor else { throw .forbidden }
        var target: RoomMember?
        if case .member(let condition) = action.rule.whom {
            guard let key, let session = room.session(of: key), let member = room.members[session] else { throw .noSuchMember }
            guard member.role != .host else { throw .forbidden }
            // A target not in the state the action needs is, as far as it goes, not there: muting a
            // listener, for one, would only reveal it.
            guard condition.holds(for: member.state) else { throw .noSuchMember }
            target = member
        }
        var deliveries: [Delivery] = []
        switch action {
        case .inviteToStage, .makeModerator:
            // Grants travel sealed to their member; the relay sees them only when presented.
            throw .forbidden
        case .dismissHand:
            // A hand its owner lowered first stays down, unannounced.
            if target!.handRaised { deliveries = lowerHand(target!.session, in: &room) }
        case .lowerEveryHand:
            for raised in room.hands { deliveries += lowerHand(raised, in: &room) }
        case .mute:
            room.members[target!.session]!.muted = true
            deliveries = broadcast(.muted(target!.key, true), in: room)
        case .moveToAudience:
            room.members[target!.session]!.role = .listener
            room.members[target!.session]!.roleProof = nil
            room.members[target!.session]!.muted = false
            if let revokingGrant { room.revokedGrants.insert(revokingGrant) }
            room.demoted.insert(target!.key)
            // Everyone knew them on stage; from now on only moderators see them.
            deliveries = broadcast(.roleChanged(target!.key, .listener, proof: nil), in: room)
        case .remove, .ban:
            // Either voids the target's grant: a removed member that comes back (with its link)
            // comes back to the audience until someone grants it the stage again.
            if let revokingGrant { room.revokedGrants.insert(revokingGrant) }
            room.demoted.insert(target!.key)
            if action == .ban { room.banned.insert(target!.key) }
            deliveries = remove(target!.session, from: &room, notice: .removed(target!.key, banned: action == .ban, by: actor.key))
        case .endRoom:
            deliveries = room.joinOrder.map { Delivery(to: $0, notice: .roomEnded(by: actor.key)) }
            for member in room.joinOrder { roomOfSession[member] = nil }
            rooms[room.id] = nil
            endedRooms.append(room.id)
            return deliveries
        }
        store(room)
        return deliveries
    }

    /// Stores the session's sealed profile and passes it to everyone in the room.
    public mutating func setProfile(session: SessionID, blob: [UInt8]) throws(RoomRefusal) -> [Delivery] {
        var room = try roomOf(session)
        room.members[session]!.profile = blob
        rooms[room.id] = room
        return toThoseWhoSee(room.members[session]!, .profile(room.members[session]!.key, blob), in: room)
    }

    /// Passes a member's opaque blob (chat, a reaction) to everyone else in the room. Everyone
    /// learns who sent it when the sender is on stage; a listener's key goes only to moderators
    /// and the host, and the rest of the room gets the blob without a sender (`from: nil`), so no
    /// listener learns another listener's key.
    public func relayBlob(session: SessionID, blob: [UInt8]) throws(RoomRefusal) -> [Delivery] {
        let room = try roomOf(session)
        let sender = room.members[session]!
        return room.joinOrder.compactMap { to in
            guard to != session else { return nil }
            let seesSender = sender.role.isOnStage || room.members[to]!.role.canModerate
            return Delivery(to: to, notice: .blob(from: seesSender ? sender.key : nil, blob))
        }
    }

    /// The host lists the room publicly with a sealed title, or (nil) takes it off the list.
    public mutating func publish(session: SessionID, entry: [UInt8]?) throws(RoomRefusal) {
        var room = try roomOf(session)
        guard room.members[session]!.role == .host else { throw .forbidden }
        room.directoryEntry = entry
        rooms[room.id] = room
    }

    /// The public directory: each listed room's id, entry and member count. Private rooms are not in it.
    public var directory: [(id: OpaqueKey, entry: [UInt8], listeners: Int)] {
        rooms.values.compactMap { room in room.directoryEntry.map { (room.id, $0, room.members.count) } }
    }

    /// Where a media frame from `session` goes: the sender's slot and its room (whose `joinOrder`
    /// lists the recipients, the sender itself included), or nil when it may not transmit.
    public func mediaRoute(of session: SessionID) -> (slot: UInt16, room: Room)? {
        guard let room = room(of: session), let member = room.members[session], member.mayTransmit else { return nil }
        return (member.senderSlot, room)
    }

    // MARK: - Helpers

    private func roomOf(_ session: SessionID) throws(RoomRefusal) -> Room {
        guard let room = room(of: session) else { throw .notInARoom }
        return room
    }

    private func broadcast(_ notice: RoomNotice, in room: Room) -> [Delivery] {
        room.joinOrder.map { Delivery(to: $0, notice: notice) }
    }

    /// `notice` about `member` to everyone who can see it: the whole room for a stage member,
    /// moderators (and the member itself) for a listener.
    private func toThoseWhoSee(_ member: RoomMember, _ notice: RoomNotice, in room: Room) -> [Delivery] {
        member.role.isOnStage ? broadcast(notice, in: room) : toModeratorsAnd(member.session, notice, in: room).filter { room.members[$0.to] != nil }
    }

    private func toModeratorsAnd(_ session: SessionID, _ notice: RoomNotice, in room: Room) -> [Delivery] {
        let moderators = room.moderators
        return moderators.map { Delivery(to: $0, notice: notice) }
            + (moderators.contains(session) ? [] : [Delivery(to: session, notice: notice)])
    }

    private func lowerHand(_ session: SessionID, in room: inout Room) -> [Delivery] {
        room.members[session]!.handRaised = false
        room.hands.removeAll { $0 == session }
        return toModeratorsAnd(session, .handLowered(room.members[session]!.key), in: room)
    }

    /// Takes `session` out of `room`, telling it `notice` first (if any) and the others it left.
    private mutating func remove(_ session: SessionID, from room: inout Room, notice: RoomNotice?) -> [Delivery] {
        guard let member = room.members.removeValue(forKey: session) else { return [] }
        room.joinOrder.removeAll { $0 == session }
        room.hands.removeAll { $0 == session }
        membershipChanges += 1
        room.membershipVersion = membershipChanges
        roomOfSession[session] = nil
        roomOfSession.shrinkIfSparse()
        room.members.shrinkIfSparse()
        return (notice.map { [Delivery(to: session, notice: $0)] } ?? []) + toThoseWhoSee(member, .memberLeft(member.key), in: room)
    }

    private mutating func store(_ room: Room) {
        if room.members.isEmpty {
            rooms[room.id] = nil
            endedRooms.append(room.id)
        } else {
            rooms[room.id] = room
        }
    }

    /// What of room `id` must outlive this table (`RoomInvariants`), with `epoch`, the room's
    /// current epoch as its rules hold it; nil when there is no such room.
    func invariants(of id: OpaqueKey, epoch: UInt64) -> RoomInvariants? {
        guard let room = rooms[id] else { return nil }
        return RoomInvariants(hostKey: room.hostKey, charter: room.charter, nextSlot: room.nextSlot, epoch: epoch,
                              banned: room.banned, demoted: room.demoted, admitted: room.admitted, revokedGrants: room.revokedGrants)
    }

    /// Takes on a room's invariants from the authority before this one (`RoomInvariants`): the
    /// room is made if absent, empty, for its host and members to join again; if present, slots
    /// go on from the higher of the two next slots, the sets are joined and the newer charter
    /// kept, so nothing the room promised is forgotten. A room with another host key is refused.
    mutating func restore(room id: OpaqueKey, _ invariants: RoomInvariants) throws(RoomRefusal) {
        var room: Room
        if let existing = rooms[id] {
            guard existing.hostKey == invariants.hostKey else { throw .roomExists }
            room = existing
        } else {
            guard rooms.count < limits.maxRooms else { throw .tooManyRooms }
            room = Room(id: id, hostKey: invariants.hostKey, charter: invariants.charter)
        }
        if invariants.charter.version > room.charter.version { room.charter = invariants.charter }
        room.nextSlot = max(room.nextSlot, invariants.nextSlot)
        room.banned.formUnion(invariants.banned)
        room.demoted.formUnion(invariants.demoted)
        room.admitted.formUnion(invariants.admitted)
        room.revokedGrants.formUnion(invariants.revokedGrants)
        rooms[id] = room
    }

    /// In a cluster, on a node that is not the room's authority: the room as far as this node's
    /// media needs it — its members on this node, with the slots and roles the authority gave
    /// them. Nothing here applies the room's rules (the authority does) or tells anyone anything;
    /// `leave` takes a member out as usual.
    mutating func shadow(_ member: RoomMember, in id: OpaqueKey, hostKey: OpaqueKey, charter: RoomCharter) {
        guard roomOfSession[member.session] == nil || roomOfSession[member.session] == id else { return }
        var room = rooms[id] ?? Room(id: id, hostKey: hostKey, charter: charter)
        if room.members.updateValue(member, forKey: member.session) == nil { room.joinOrder.append(member.session) }
        membershipChanges += 1
        room.membershipVersion = membershipChanges
        rooms[id] = room
        roomOfSession[member.session] = id
    }

    /// A shadowed member's role or microphone, as the authority told it.
    mutating func shadowUpdate(session: SessionID, role: Role? = nil, muted: Bool? = nil) {
        guard let id = roomOfSession[session], rooms[id]?.members[session] != nil else { return }
        if let role { rooms[id]!.members[session]!.role = role }
        if let muted { rooms[id]!.members[session]!.muted = muted }
    }

    /// The rooms deleted (emptied or ended) since the last call, so that what others keep per
    /// room (the relay's epochs, the media fan-outs) can go with them.
    public mutating func takeEndedRooms() -> [OpaqueKey] {
        defer { endedRooms = [] }
        return endedRooms
    }
}
