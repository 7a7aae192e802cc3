import Foundation
import ParlorCrypto
import ParlorProtocol

/// The room client's logic, without I/O: control messages and commands go in; messages to send,
/// events for the faces and changes for the media side come out (`Effect`). `RoomClient`
/// carries the effects out; tests drive this type directly with messages.
///
/// One session value lives for the whole stay in a room, across reconnections: each new
/// connection calls `connected`, which forgets the roster (the relay sends it again) but keeps
/// the member key, the grant, the epoch secrets and the self-mute.
public struct RoomSession: Sendable {
    public enum Effect: Sendable, Equatable {
        case send(ControlMessage)
        case event(RoomEvent)
        /// Epoch secrets, the stage, this member's slot or its mute changed: the media side
        /// re-derives its keys and what it sends as.
        case mediaChanged
        /// The stay is over; no reconnection.
        case finish(RoomExit)
        /// Drop this connection and join again after the usual backoff (the room is not back yet,
        /// or its rules waited too long to let this client in).
        case retryLater
    }

    public enum Phase: Sendable, Equatable { case connecting, joining, inRoom, finished }

    /// How long a moderator's stage invitation grant lasts.
    static let invitationSeconds: UInt64 = 24 * 3600

    public internal(set) var identity: RoomIdentity
    public private(set) var roster = Roster()
    public internal(set) var epochs = EpochKeys()
    public private(set) var phase = Phase.connecting
    /// This client's entry (role and slot from the relay).
    public private(set) var me: Participant?
    /// The box key pair of the current connection; fresh for each (it is part of the sender keys).
    public private(set) var boxKey = X25519KeyPair.generate()
    /// Whether this client asked to be muted (and stays muted across reconnections).
    public internal(set) var selfMuted = false
    /// What the room's authority has decided, as far as this client has verified it: the newest
    /// charter, the members it may seal keys to, who is banned, when the epoch began.
    var authority = RoomAuthority()
    /// Messages refused because they did not come from the room's authority or broke its rules
    /// (each also reported as a `refused` event).
    public internal(set) var refusals = 0
    /// A moderator's invitation not yet accepted.
    public internal(set) var invitation: Grant?
    /// Chat messages seen and the sending budget (RoomSession+Chat.swift).
    var chat = ChatState()
    private var hasJoinedBefore = false
    /// A newcomer whose profile has not arrived yet.
    private var unannounced: MemberID?

    public init(identity: RoomIdentity) {
        self.identity = identity
        authority.charter = identity.hosted?.charter
    }

    public var title: String? {
        identity.isHost ? identity.card.title : roster[MemberID(key: identity.hostKey)]?.card?.title
    }

    public var safetyCode: String? {
        guard let secret = epochs.currentSecret, let statement = epochs.currentStatement else { return nil }
        return try? SafetyCode.compute(roomID: identity.keys.roomID, relayPublicKey: identity.link.relayPublicKey,
                                       epochSecret: secret, statement: statement)
    }

    public var isModerator: Bool { (me?.role ?? .listener) >= .moderator }

    // MARK: - Connection

    /// A new connection finished its handshake: create the room (host) and join.
    public mutating func connected(handshakeHash: [UInt8]) -> [Effect] {
        boxKey = X25519KeyPair.generate()
        roster.removeAll()
        phase = .joining
        var effects: [Effect] = []
        let keys = identity.keys
        if let hosted = identity.hosted {
            let title = identity.listed ? directoryTitle() : nil
            effects.append(.send(.createRoom(CreateRoom(roomID: keys.roomID, hostKey: identity.memberKey.publicKey,
                                                        listed: identity.listed, directoryTitle: title, charter: hosted.charter))))
        }
        let profile = try? identity.card.sealed(metadataKey: keys.metadataKey, roomID: keys.roomID, signer: identity.memberKey)
        effects.append(.send(.join(Join(roomID: keys.roomID, signingKey: identity.memberKey, boxKey: boxKey.publicKey,
                                        grant: identity.grant, handshakeHash: handshakeHash, profile: profile,
                                        link: identity.admission))))
        return effects
    }

    /// The room's entry in the relay's directory: its title and listen link (PROTOCOL §4.3).
    private func directoryTitle() -> [UInt8]? {
        try? DirectoryCard(title: identity.card.title ?? "", link: identity.link.text).sealed(relayPublicKey: identity.link.relayPublicKey)
    }

    /// This client leaves for good.
    public mutating func leave() -> [Effect] {
        guard phase != .finished else { return [] }
        phase = .finished
        return [.send(.leave), .finish(.left)]
    }

    // MARK: - Messages from the relay

    /// A message from the relay; `now` is Unix seconds (grant expiry, the age of the epoch).
    public mutating func receive(_ message: ControlMessage, now: UInt64 = UInt64(Date().timeIntervalSince1970)) -> [Effect] {
        guard phase != .finished else { return [] }
        // The relay follows a newcomer's `member_joined` at once with its profile: announce the
        // newcomer with its name then, or before anything else arrives.
        if let waiting = unannounced {
            unannounced = nil
            if case .profileDelivery(let p) = message, p.memberKey.map({ MemberID(key: $0) }) == waiting {
                let effects = profileDelivered(p)
                return effects + announce(waiting)
            }
            return announce(waiting) + receive(message, now: now)
        }
        switch message {
        case .joined(let joined): return receiveJoined(joined, now: now)
        case .memberJoined(let m): return memberJoined(m.member, now: now)
        case .memberLeft(let m): return memberLeft(MemberID(key: m.memberKey), now: now)
        case .profileDelivery(let p): return profileDelivered(p)
        case .roleChanged(let r): return roleChanged(MemberID(key: r.memberKey), to: r.role, proof: r.roleProof)
        case .handUpdate(let h): return handUpdated(MemberID(key: h.memberKey), raised: h.raised)
        case .moderation(let m): return moderated(m)
        case .keyDelivery(let k): return keysDelivered(k, now: now)
        case .charterUpdate(let c): return charterWithChatReceived(c.charter)
        case .blobDelivery(let b): return blobDelivered(b, now: now)
        case .error(let e): return relayError(e)
        default: return []
        }
    }

    private mutating func receiveJoined(_ joined: Joined, now: UInt64) -> [Effect] {
        // A `joined` answers this connection's `join`, once: another one would move this client
        // to another slot and could bring back a key at a used counter.
        guard phase == .joining else { return refuse("joined", "a second joined while already in the room") }
        var effects: [Effect] = []
        if let charter = joined.charter { effects += charterReceived(charter) }
        let previous = hasJoinedBefore ? Set(roster.order) : []
        for entry in joined.roster where entry.memberKey != identity.memberKey.publicKey {
            guard let member = verified(entry, now: now, effects: &effects) else { continue }
            roster.upsert(member)
        }
        var role = joined.role
        if role > consentedRole {
            effects += refuse("role", "the relay let this client in as \(role) without its consent (no link or accepted invitation for it)")
            role = consentedRole
        }
        var mine = Participant(key: identity.memberKey.publicKey, boxKey: boxKey.publicKey, role: role,
                               slot: joined.senderSlot, card: identity.card)
        mine.muted = selfMuted
        roster.upsert(mine)
        me = mine
        phase = .inRoom
        authority.awaitingKeys = true
        if identity.isHost, epochs.current == nil {
            effects += startEpoch(0, now: now)
        }
        if hasJoinedBefore {
            effects.append(.event(.reconnected))
            for member in roster.all where !previous.contains(member.id) && member.id != mine.id {
                effects.append(.event(.memberJoined(member.info)))
            }
        } else {
            let others = roster.all.filter { $0.id != mine.id }.map(\.info)
            effects.append(.event(.joined(title: title, you: mine.info, members: others, safetyCode: safetyCode ?? "")))
        }
        hasJoinedBefore = true
        if selfMuted { effects.append(.send(.moderation(Moderation(.action(.mute), target: mine.key)))) }
        // Everyone here came back with a fresh box key, or is new: the keeper moves the room on.
        if isKeeper, roster.order.count > 1 { effects += membershipChanged(now: now) }
        effects.append(.mediaChanged)
        return effects
    }

    /// The highest role this client agreed to take, the most the relay's `joined` or
    /// `role_changed` may give it: the host's; that of the link it came by (a speak link's holder
    /// chose to speak); or that of the grant it accepted (an invitation, or its moderator grant).
    var consentedRole: Role {
        if identity.isHost { return .host }
        return max(identity.admission?.grant.role ?? .listener, identity.grant?.role ?? .listener)
    }

    /// The highest role another member is shown to hold: the host's for the pinned host key; that
    /// of the link its credential shows (verified when it joined); or `byGrant`, what the grants
    /// the relay passed on with the role prove (`proved(_:for:)`, docs/PROTOCOL.md §7.2).
    func provenRole(of key: [UInt8], credential: MemberCredential?, byGrant: Role?) -> Role {
        if key == identity.hostKey { return .host }
        let fromLink = min(credential?.linkGrant?.role ?? .listener, .speaker)
        return max(fromLink, byGrant ?? .listener)
    }

    /// The role `proof` proves for the member `key`, or nil: no proof, a chain that does not
    /// verify, or one whose first grant this client saw revoked (a move to the audience revokes
    /// the grant a role rested on; the relay may not bring it back).
    func proved(_ proof: RoleProof?, for key: [UInt8]) -> Role? {
        guard let proof, let grant = proof.grants.first, !authority.isRevoked(grant) else { return nil }
        return try? proof.role(of: key, roomID: identity.keys.roomID, hostKey: identity.hostKey)
    }

    /// A roster entry whose credential verifies (its box key bound to its member key, a link the
    /// host signed admitting it) and whose role claims nothing the credential cannot back: only
    /// the link's host key may be host. Anything else is refused and reported. A role above what
    /// the credential or the entry's role proof backs is reported and taken at what they back.
    private mutating func verified(_ entry: MemberEntry, now: UInt64, effects: inout [Effect]) -> Participant? {
        do {
            let role = try authority.verify(entry, roomID: identity.keys.roomID, hostKey: identity.hostKey, now: now)
            guard entry.role != .host || role == .host else {
                effects += refuse("member", "a member claims to host the room with a key the link does not pin")
                return nil
            }
            var member = Participant(entry: entry, card: entry.profile.flatMap { card($0, of: entry.memberKey, effects: &effects) })
            let byGrant = proved(entry.roleProof, for: entry.memberKey)
            if byGrant != nil { member.roleProof = entry.roleProof }
            let proven = provenRole(of: entry.memberKey, credential: entry.credential, byGrant: byGrant)
            if member.role > proven {
                effects += refuse("role", "\(member.id) shown as \(member.role) without a grant that proves it: taken as \(proven)")
                member.role = proven
            }
            return member
        } catch {
            effects += refuse("member", "a roster entry with no valid credential (\(error))")
            return nil
        }
    }

    private mutating func memberJoined(_ entry: MemberEntry, now: UInt64) -> [Effect] {
        // This client's own entry is its own (`joined`, its consent, its box key): never the relay's.
        guard entry.memberKey != identity.memberKey.publicKey else { return refuse("member", "a member_joined for this client itself") }
        var effects: [Effect] = []
        guard let member = verified(entry, now: now, effects: &effects) else { return effects }
        let old = roster[member.id]
        roster.upsert(member)
        if old == nil || old?.boxKey != member.boxKey {
            if isKeeper { effects += membershipChanged(now: now) }
        }
        if old == nil {
            if member.card == nil {
                unannounced = member.id
                return effects
            }
            effects += announce(member.id)
        } else if let old, !old.isOnStage, member.isOnStage {
            effects.append(.event(.speakerAdded(member.info)))
        }
        if member.isOnStage { effects.append(.mediaChanged) }
        return effects
    }

    /// The events for a newcomer.
    private func announce(_ id: MemberID) -> [Effect] {
        guard let member = roster[id] else { return [] }
        var effects: [Effect] = [.event(.memberJoined(member.info))]
        if member.isOnStage { effects += [.event(.speakerAdded(member.info)), .mediaChanged] }
        return effects
    }

    private mutating func memberLeft(_ id: MemberID, now: UInt64) -> [Effect] {
        guard id != me?.id else { return refuse("member", "a member_left for this client itself") }
        guard let gone = roster.remove(id) else { return [] }
        var effects: [Effect] = []
        if gone.isOnStage { effects.append(.event(.speakerRemoved(gone.info))) }
        effects.append(.event(.memberLeft(gone.info)))
        // Whoever leaves, for whatever reason, keeps only what it heard so far.
        if isKeeper { effects += membershipChanged(now: now) }
        if gone.isOnStage { effects.append(.mediaChanged) }
        return effects
    }

    private mutating func profileDelivered(_ profile: Profile) -> [Effect] {
        guard let key = profile.memberKey, roster[MemberID(key: key)] != nil else { return [] }
        var effects: [Effect] = []
        guard let card = card(profile.blob, of: key, effects: &effects) else { return effects }
        roster.update(MemberID(key: key)) { $0.card = card }
        return effects
    }

    /// The profile card in `blob`, if it opens under the room's metadata key and `memberKey`
    /// signed it; otherwise nil, reported (a card the relay moved from another member, or made up).
    private mutating func card(_ blob: [UInt8], of memberKey: [UInt8], effects: inout [Effect]) -> ProfileCard? {
        do {
            return try ProfileCard.open(blob, metadataKey: identity.keys.metadataKey, roomID: identity.keys.roomID, memberKey: memberKey)
        } catch {
            effects += refuse("profile", "\(MemberID(key: memberKey))'s profile is not its own (\(error)): shown without a name")
            return nil
        }
    }

    mutating func roleChanged(_ id: MemberID, to role: Role, proof: RoleProof?) -> [Effect] {
        guard let before = id == me?.id ? me : roster[id] else { return [] }
        let byGrant = id == me?.id ? nil : proved(proof, for: before.key)
        if role > before.role {
            // Nobody else's word puts this client on stage: its microphone would go live.
            guard id != me?.id || role <= consentedRole else {
                return refuse("role", "the relay put this client on stage as \(role) without its consent (no link or accepted invitation for it)")
            }
            // Another member's raised role holds only with the grants behind it, none of them revoked.
            guard id == me?.id || role <= provenRole(of: before.key, credential: before.credential, byGrant: byGrant) else {
                return refuse("role", "\(id) raised to \(role) without a grant that proves it (or with one revoked)")
            }
        }
        // Moved down with no grant for the new role (a move to the audience), the member loses the
        // grant its role rested on for good (§4.5): the relay revoked it, and so does this client.
        if role < before.role, byGrant == nil, let grant = before.roleProof?.grants.first { authority.revoke(signature: grant.signature) }
        let after = roster.update(id) {
            $0.role = role
            if role < .speaker { $0.muted = false }
            if byGrant != nil { $0.roleProof = proof } else if role < before.role { $0.roleProof = nil }
        }!
        var effects: [Effect] = [.event(.roleChanged(after.info))]
        if id == me?.id {
            me = after
            if role == .listener { identity.grant = nil }
        }
        if !before.isOnStage, after.isOnStage { effects.append(.event(.speakerAdded(after.info))) }
        if before.isOnStage, !after.isOnStage {
            effects.append(.event(.speakerRemoved(after.info)))
            // Listeners are known only to moderators (and themselves).
            if !isModerator, id != me?.id { roster.remove(id) }
        }
        effects.append(.mediaChanged)
        return effects
    }

    private mutating func handUpdated(_ id: MemberID, raised: Bool) -> [Effect] {
        guard let before = roster[id], before.handRaised != raised else { return [] }
        let after = roster.update(id) { $0.handRaised = raised }!
        if id == me?.id { me = after }
        return [.event(raised ? .handRaised(after.info) : .handLowered(after.info))]
    }

    private mutating func moderated(_ moderation: Moderation) -> [Effect] {
        let target = moderation.target.map { MemberID(key: $0) }
        let isMe = target == me?.id
        switch moderation.act {
        case .action(.mute), .unmuteOwn:
            let muted = moderation.act == .action(.mute)
            guard let target, let member = roster.update(target, { $0.muted = muted }) else { return [] }
            if isMe {
                me = member
                if !muted { selfMuted = false }
            }
            let byModerator = isMe ? (muted && !selfMuted) : moderation.actor.map { $0 != member.key } ?? false
            if isMe, muted { selfMuted = true }
            return [.event(.muted(member.info, muted: muted, byModerator: byModerator))] + (isMe ? [.mediaChanged] : [])
        case .action(.remove), .action(.ban):
            guard isMe else { return [] }
            phase = .finished
            let banned = moderation.act == .action(.ban)
            return [.event(.removed(banned: banned)), .finish(.removed(banned: banned))]
        case .action(.endRoom):
            phase = .finished
            return [.event(.roomEnded(reason: "ended by a moderator")), .finish(.ended)]
        case .action(.moveToAudience), .action(.lowerEveryHand):
            // Delivered as `role_changed` and `hand_update`.
            return []
        case .action(.inviteToStage), .action(.dismissHand), .action(.makeModerator):
            // Never a moderation message (a sealed grant, a `hand_lower`).
            return []
        }
    }

    private mutating func relayError(_ error: ErrorMessage) -> [Effect] {
        let name = ErrorMessage.Code.name(of: error.code)
        var effects: [Effect] = [.event(.error(code: name, message: error.text))]
        // After a relay restart the room exists again only once its host is back: keep trying.
        if phase == .joining, hasJoinedBefore, error.code == ErrorMessage.Code.noSuchRoom.rawValue {
            phase = .connecting
            return [.retryLater]
        }
        // Held while the room's rules waited (a cluster node without its lease for 10 s) or over
        // the relay's pace: a join is asked again after the reconnection's pause; a keeper's key
        // deliveries go out again as the next epoch, at the tick that ends the rekey interval.
        if error.code == ErrorMessage.Code.rateLimited.rawValue {
            if phase == .joining, error.inReplyToType == .createRoom || error.inReplyToType == .join {
                phase = .connecting
                return effects + [.retryLater]
            }
            if error.inReplyToType == .keyDelivery, isKeeper { authority.newcomersWaiting = true }
        }
        // Any other refused create or join ends the stay: retrying would be refused again.
        if phase == .joining, error.inReplyToType == .createRoom || error.inReplyToType == .join {
            phase = .finished
            effects.append(.finish(.failed("the relay refused to let this client in: \(error.text) (\(name))")))
        }
        return effects
    }
}
