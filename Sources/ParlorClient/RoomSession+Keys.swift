import ParlorCrypto
import ParlorProtocol

/// The room's keys (docs/PROTOCOL.md §7.1, §7.4): which epochs this client installs, and — when it
/// is the keeper — when it moves the room to a new epoch and to whom it seals it.
///
/// An epoch secret is installed only with a statement signed by the pinned host key (or by a
/// moderator the host granted), committing to that very secret, for the next epoch (any newer
/// one right after joining). The keeper seals only to members whose credential it verified and
/// whose link the host's charter admits, so neither the relay nor a replaced link adds a holder.
/// Every join and every departure moves the room on (at most once a second, less often in big rooms), so a newcomer
/// never holds a key to what was said before it came, beyond that batching.
extension RoomSession {
    /// Entries per `key_delivery`: 100 × (32 + 80 + framing) + a statement stays under the 16 KiB bucket.
    public static let secretsPerDelivery = 100

    /// Seconds a keeper lets pass between two epochs when members join: newcomers wait at most
    /// this long for their keys, and a crowd arriving at once costs one rekey per interval.
    public static func rekeyInterval(members: Int) -> UInt64 {
        members < 100 ? 1 : members < 1_000 ? 2 : 10
    }

    /// Reports a message refused for not coming from the room's authority, or breaking its rules.
    mutating func refuse(_ what: String, _ why: String) -> [Effect] {
        refusals += 1
        return [.event(.refused(what: what, reason: why))]
    }

    /// A charter from the relay (in `joined`, or passed on to moderators): kept when the host
    /// signed it and it is newer.
    mutating func charterReceived(_ charter: RoomCharter) -> [Effect] {
        do {
            _ = try authority.accept(charter, roomID: identity.keys.roomID, hostKey: identity.hostKey)
            return []
        } catch {
            return refuse("charter", "a charter the room's host key did not sign")
        }
    }

    mutating func keysDelivered(_ delivery: KeyDelivery, now: UInt64) -> [Effect] {
        guard let mine = delivery.secrets.first(where: { $0.memberKey == identity.memberKey.publicKey }) else { return [] }
        let statement = delivery.statement
        guard statement.epoch == delivery.epoch else {
            return refuse("epoch_key", "epoch \(delivery.epoch) comes with a statement for epoch \(statement.epoch)")
        }
        if let grant = delivery.authority, authority.isRevoked(grant) {
            return refuse("epoch_key", "epoch \(delivery.epoch) is vouched for by a moderator's grant revoked when it was moved to the audience")
        }
        do {
            try statement.verify(roomID: identity.keys.roomID, hostKey: identity.hostKey, authority: delivery.authority, now: now)
        } catch {
            return refuse("epoch_key", "epoch \(delivery.epoch) is not vouched for by the room's host (\(error))")
        }
        if let current = epochs.current {
            let allowed = authority.awaitingKeys ? delivery.epoch >= current : (delivery.epoch == current || delivery.epoch == current + 1)
            guard allowed else { return refuse("epoch_key", "epoch \(delivery.epoch) does not follow epoch \(current)") }
        }
        guard let secret = try? SealedBox.open(mine.sealedSecret, with: boxKey) else {
            return refuse("epoch_key", "a sealed epoch secret this client cannot open")
        }
        guard statement.commits(to: secret) else {
            return refuse("epoch_key", "a secret for epoch \(delivery.epoch) that its statement does not commit to")
        }
        guard statement.lists(revoked: delivery.revoked) else {
            return refuse("epoch_key", "epoch \(delivery.epoch) comes with revoked grants its statement does not list")
        }
        if let held = epochs.secrets[delivery.epoch], held != secret {
            return refuse("epoch_key", "a second secret for epoch \(delivery.epoch)")
        }
        authority.awaitingKeys = false
        guard epochs.install(epoch: delivery.epoch, secret: secret, statement: statement) else { return [] }
        return [.event(.rekeyed(epoch: delivery.epoch, safetyCode: safetyCode ?? "")), .mediaChanged] + revokedByKeeper(delivery.revoked)
    }

    /// The keeper's list of revoked grants (§4.5): taken as this client's own, and any member the
    /// relay shows on stage by one of them — a newcomer cannot have seen the move — is taken at
    /// the role its credential backs, and reported. This client's own grant among them (a move
    /// the relay did not show it) takes it off the stage too, and it vouches by that grant no more.
    mutating func revokedByKeeper(_ signatures: [[UInt8]]) -> [Effect] {
        for signature in signatures { authority.revoke(signature: signature) }
        var effects: [Effect] = []
        if let grant = identity.grant, authority.isRevoked(grant), let me {
            identity.grant = nil
            effects += refuse("role", "the keeper lists this client's own grant as revoked: a move to the audience the relay did not show")
            if me.role > consentedRole { effects += roleChanged(me.id, to: consentedRole, proof: nil) }
        }
        for member in roster.all where member.id != me?.id {
            guard let grant = member.roleProof?.grants.first, authority.isRevoked(grant) else { continue }
            let proven = provenRole(of: member.key, credential: member.credential, byGrant: nil)
            guard member.role > proven else { continue }
            effects += refuse("role", "\(member.id) shown as \(member.role) by a grant the keeper revoked: taken as \(proven)")
            effects += roleChanged(member.id, to: proven, proof: nil)
        }
        return effects
    }

    // MARK: - The keeper

    /// The grant that lets this client vouch for epochs when it is not the host: a moderator
    /// grant signed by the host key.
    var vouchingGrant: Grant? {
        guard let grant = identity.grant, grant.role == .moderator, grant.signerKey == identity.hostKey else { return nil }
        return grant
    }

    /// The member who hands out epoch secrets: the host when present, else the earliest moderator.
    var isKeeper: Bool {
        guard let me, me.role >= .moderator, identity.isHost || vouchingGrant != nil else { return false }
        // Only the pinned host key can be host (`verified`), so the host is found by key, and the
        // whole roster is walked only when it is away: a join costs the keeper O(1) here.
        if roster[MemberID(key: identity.hostKey)] != nil { return identity.isHost }
        let keeper = roster.order.lazy.compactMap { roster[$0] }.first { $0.role == .moderator }
        return keeper?.id == me.id
    }

    /// Someone joined, came back with a new box key, or left: the room moves to a new epoch now,
    /// or at the `tick` that ends the current interval.
    mutating func membershipChanged(now: UInt64) -> [Effect] {
        authority.newcomersWaiting = true
        return tick(now: now)
    }

    /// Called about once a second: a keeper whose room changed rekeys once the interval is over.
    public mutating func tick(now: UInt64) -> [Effect] {
        guard phase == .inRoom, isKeeper, authority.newcomersWaiting else { return [] }
        if let last = authority.lastRekey, now < last + Self.rekeyInterval(members: roster.order.count) { return [] }
        return rekey(now: now)
    }

    /// Moves the room to the next epoch: a fresh secret sealed to every member that may hold it.
    mutating func rekey(now: UInt64) -> [Effect] {
        let next = epochs.current.map { $0 + 1 } ?? 0
        guard next <= EpochStatement.maximumEpoch else { return refuse("epoch_key", "the room has used every epoch") }
        return startEpoch(next, now: now)
    }

    /// A new epoch with a new random secret, vouched for by this client and sealed to the members
    /// `RoomAuthority.mayHoldKeys` admits (others are reported, never sealed to).
    mutating func startEpoch(_ epoch: UInt64, now: UInt64) -> [Effect] {
        guard let me else { return [] }
        var effects: [Effect] = []
        var recipients: [Participant] = []
        for member in roster.all where member.id != me.id {
            if authority.mayHoldKeys(member, hostKey: identity.hostKey) {
                recipients.append(member)
            } else if !authority.banned.contains(member.key) {
                effects += refuse("member", "keys withheld from \(member.id): no link of the host's current charter admits it")
            }
        }
        let secret = RoomKeys.newEpochSecret()
        let holders = ([me] + recipients).map { (memberKey: $0.key, boxKey: $0.boxKey) }
        let revoked = authority.revokedToList
        guard let statement = try? EpochStatement(roomID: identity.keys.roomID, epoch: epoch, secret: secret, recipients: holders,
                                                  revoked: revoked, signer: identity.memberKey) else { return effects }
        epochs.install(epoch: epoch, secret: secret, statement: statement)
        authority.lastRekey = recipients.isEmpty ? nil : now
        authority.newcomersWaiting = false
        for member in recipients { authority.admitted.insert(member.key) }
        effects += deliver(epoch: epoch, secret: secret, statement: statement, revoked: revoked, to: recipients)
        return effects + [.event(.rekeyed(epoch: epoch, safetyCode: safetyCode ?? "")), .mediaChanged]
    }

    /// `key_delivery` messages sealing the epoch's secret to each member, in chunks, each with the
    /// statement and the revoked grants it lists.
    func deliver(epoch: UInt64, secret: [UInt8], statement: EpochStatement, revoked: [[UInt8]], to members: [Participant]) -> [Effect] {
        let sealed = members.compactMap { member in
            (try? SealedBox.seal(secret, to: member.boxKey)).map { SealedEpochSecret(memberKey: member.key, sealedSecret: $0) }
        }
        let authorityGrant = identity.isHost ? nil : vouchingGrant
        return stride(from: 0, to: sealed.count, by: Self.secretsPerDelivery).map { start in
            let chunk = Array(sealed[start..<min(start + Self.secretsPerDelivery, sealed.count)])
            return .send(.keyDelivery(KeyDelivery(epoch: epoch, secrets: chunk, statement: statement, authority: authorityGrant, revoked: revoked)))
        }
    }
}
