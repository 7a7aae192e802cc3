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
        /// Drop this connection and join again after the usual backoff (the room is not back yet).
        case retryLater
    }

    public enum Phase: Sendable, Equatable { case connecting, joining, inRoom, finished }

    /// Entries per `key_delivery`: 100 × (32 + 80 + framing) stays well under the 16 KiB bucket.
    static let secretsPerDelivery = 100
    /// How long a moderator's stage invitation grant lasts.
    static let invitationSeconds: UInt64 = 24 * 3600

    public internal(set) var identity: RoomIdentity
    public private(set) var roster = Roster()
    public private(set) var epochs = EpochKeys()
    public private(set) var phase = Phase.connecting
    /// This client's entry (role and slot from the relay).
    public private(set) var me: Participant?
    /// The box key pair of the current connection; fresh for each (it is part of the sender keys).
    public private(set) var boxKey = X25519KeyPair.generate()
    /// Whether this client asked to be muted (and stays muted across reconnections).
    public internal(set) var selfMuted = false
    /// Members this client removed or banned: when they are gone it moves the room to a new epoch.
    var pendingRekey: Set<MemberID> = []
    /// A moderator's invitation not yet accepted.
    public internal(set) var invitation: Grant?
    private var hasJoinedBefore = false
    /// A newcomer whose profile has not arrived yet.
    private var unannounced: MemberID?

    public init(identity: RoomIdentity) {
        self.identity = identity
    }

    public var title: String? {
        identity.isHost ? identity.card.title : roster.all.first { $0.role == .host }?.card?.title
    }

    public var safetyCode: String? {
        epochs.currentSecret.flatMap {
            try? SafetyCode.compute(roomID: identity.keys.roomID, relayPublicKey: identity.link.relayPublicKey, epochSecret: $0)
        }
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
        if identity.isHost {
            let title = identity.listed ? directoryTitle() : nil
            effects.append(.send(.createRoom(CreateRoom(roomID: keys.roomID, hostKey: identity.memberKey.publicKey,
                                                        listed: identity.listed, directoryTitle: title))))
        }
        let profile = try? identity.card.sealed(metadataKey: keys.metadataKey)
        effects.append(.send(.join(Join(roomID: keys.roomID, signingKey: identity.memberKey, boxKey: boxKey.publicKey,
                                        grant: identity.grant, handshakeHash: handshakeHash, profile: profile))))
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

    public mutating func receive(_ message: ControlMessage) -> [Effect] {
        guard phase != .finished else { return [] }
        // The relay follows a newcomer's `member_joined` at once with its profile: announce the
        // newcomer with its name then, or before anything else arrives.
        if let waiting = unannounced {
            unannounced = nil
            if case .profileDelivery(let p) = message, p.memberKey.map({ MemberID(key: $0) }) == waiting {
                _ = profileDelivered(p)
                return announce(waiting)
            }
            return announce(waiting) + receive(message)
        }
        switch message {
        case .joined(let joined): return receiveJoined(joined)
        case .memberJoined(let m): return memberJoined(Participant(entry: m.member, metadataKey: identity.keys.metadataKey))
        case .memberLeft(let m): return memberLeft(MemberID(key: m.memberKey))
        case .profileDelivery(let p): return profileDelivered(p)
        case .roleChanged(let r): return roleChanged(MemberID(key: r.memberKey), to: r.role)
        case .handUpdate(let h): return handUpdated(MemberID(key: h.memberKey), raised: h.raised)
        case .moderation(let m): return moderated(m)
        case .keyDelivery(let k): return keysDelivered(k)
        case .blobDelivery(let b): return blobDelivered(b)
        case .error(let e): return relayError(e)
        default: return []
        }
    }

    private mutating func receiveJoined(_ joined: Joined) -> [Effect] {
        let metadataKey = identity.keys.metadataKey
        let previous = hasJoinedBefore ? Set(roster.order) : []
        for entry in joined.roster { roster.upsert(Participant(entry: entry, metadataKey: metadataKey)) }
        var mine = Participant(key: identity.memberKey.publicKey, boxKey: boxKey.publicKey, role: joined.role,
                               slot: joined.senderSlot, card: identity.card)
        mine.muted = selfMuted
        roster.upsert(mine)
        me = mine
        phase = .inRoom
        var effects: [Effect] = []
        if joined.epoch == 0, epochs.current == nil {
            epochs.install(epoch: 0, secret: identity.keys.epochZeroSecret)
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
        if selfMuted { effects.append(.send(.moderation(Moderation(action: .mute, target: mine.key)))) }
        // A relay that restarted has forgotten the epoch: the keeper hands the current one out again.
        if let current = epochs.current, current > joined.epoch, isKeeper {
            effects += deliver(epoch: current, to: roster.all.filter { $0.id != mine.id })
        }
        effects.append(.mediaChanged)
        return effects
    }

    private mutating func memberJoined(_ member: Participant) -> [Effect] {
        let old = roster[member.id]
        roster.upsert(member)
        var effects: [Effect] = []
        if old == nil {
            if isKeeper, let current = epochs.current, current > 0 { effects += deliver(epoch: current, to: [member]) }
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

    private mutating func memberLeft(_ id: MemberID) -> [Effect] {
        guard let gone = roster.remove(id) else { return [] }
        var effects: [Effect] = []
        if gone.isOnStage { effects.append(.event(.speakerRemoved(gone.info))) }
        effects.append(.event(.memberLeft(gone.info)))
        if pendingRekey.remove(id) != nil { effects += rekey() }
        if gone.isOnStage { effects.append(.mediaChanged) }
        return effects
    }

    private mutating func profileDelivered(_ profile: Profile) -> [Effect] {
        guard let key = profile.memberKey, let card = try? ProfileCard.open(profile.blob, metadataKey: identity.keys.metadataKey) else {
            return []
        }
        roster.update(MemberID(key: key)) { $0.card = card }
        return []
    }

    private mutating func roleChanged(_ id: MemberID, to role: Role) -> [Effect] {
        guard let before = roster[id] else { return [] }
        let after = roster.update(id) { $0.role = role; if role < .speaker { $0.muted = false } }!
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
        switch moderation.action {
        case .mute, .unmute:
            let muted = moderation.action == .mute
            guard let target, let member = roster.update(target, { $0.muted = muted }) else { return [] }
            if isMe {
                me = member
                if !muted { selfMuted = false }
            }
            let byModerator = isMe ? (muted && !selfMuted) : moderation.actor.map { $0 != member.key } ?? false
            if isMe, muted { selfMuted = true }
            return [.event(.muted(member.info, muted: muted, byModerator: byModerator))] + (isMe ? [.mediaChanged] : [])
        case .remove, .ban:
            guard isMe else { return [] }
            phase = .finished
            let banned = moderation.action == .ban
            return [.event(.removed(banned: banned)), .finish(.removed(banned: banned))]
        case .endRoom:
            phase = .finished
            return [.event(.roomEnded(reason: "ended by a moderator")), .finish(.ended)]
        case .moveToAudience:
            return []
        }
    }

    private mutating func keysDelivered(_ delivery: KeyDelivery) -> [Effect] {
        guard let mine = delivery.secrets.first(where: { $0.memberKey == identity.memberKey.publicKey }),
              let secret = try? SealedBox.open(mine.sealedSecret, with: boxKey),
              epochs.install(epoch: delivery.epoch, secret: secret) else { return [] }
        return [.event(.rekeyed(epoch: delivery.epoch, safetyCode: safetyCode ?? "")), .mediaChanged]
    }

    private mutating func relayError(_ error: ErrorMessage) -> [Effect] {
        let name = ErrorMessage.Code.name(of: error.code)
        var effects: [Effect] = [.event(.error(code: name, message: error.text))]
        // After a relay restart the room exists again only once its host is back: keep trying.
        if phase == .joining, hasJoinedBefore, error.code == ErrorMessage.Code.noSuchRoom.rawValue {
            phase = .connecting
            return [.retryLater]
        }
        // Any other refused create or join ends the stay: retrying would be refused again.
        if phase == .joining, let type = error.inReplyTo, type == 10 || type == 11 {
            phase = .finished
            effects.append(.finish(.failed("the relay refused to let this client in: \(error.text) (\(name))")))
        }
        return effects
    }

    // MARK: - Keys

    /// The member who hands out epoch secrets: the host when present, else the earliest moderator.
    var isKeeper: Bool {
        guard let me, me.role >= .moderator else { return false }
        let keeper = roster.all.first { $0.role == .host } ?? roster.all.first { $0.role == .moderator }
        return keeper?.id == me.id
    }

    /// Moves the room to a new epoch: a fresh secret sealed to every member still here.
    mutating func rekey() -> [Effect] {
        guard let current = epochs.current, current < KeyDelivery.maximumEpoch else { return [] }
        let epoch = current + 1
        epochs.install(epoch: epoch, secret: RoomKeys.newEpochSecret())
        let others = roster.all.filter { $0.id != me?.id }
        return deliver(epoch: epoch, to: others)
            + [.event(.rekeyed(epoch: epoch, safetyCode: safetyCode ?? "")), .mediaChanged]
    }

    /// `key_delivery` messages sealing the epoch's secret to each member, in chunks.
    func deliver(epoch: UInt64, to members: [Participant]) -> [Effect] {
        guard let secret = epochs.secrets[epoch] else { return [] }
        let sealed = members.compactMap { member in
            (try? SealedBox.seal(secret, to: member.boxKey)).map { SealedEpochSecret(memberKey: member.key, sealedSecret: $0) }
        }
        return stride(from: 0, to: sealed.count, by: Self.secretsPerDelivery).map { start in
            .send(.keyDelivery(KeyDelivery(epoch: epoch, secrets: Array(sealed[start..<min(start + Self.secretsPerDelivery, sealed.count)]))))
        }
    }
}
