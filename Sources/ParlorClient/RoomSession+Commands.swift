import Foundation
import ParlorCrypto
import ParlorProtocol

extension RoomSession {
    /// Carries out a command from a face. What the relay must allow is checked here first, so a
    /// face gets a clear `error` event at once instead of a refusal from the relay.
    public mutating func perform(_ command: RoomCommand, now: UInt64) -> [Effect] {
        guard phase == .inRoom, let me else {
            if command == .leave { return leave() }
            return [refusal("not_in_a_room", "not in the room yet")]
        }
        switch command {
        case .raiseHand:
            guard !me.isOnStage else { return [refusal("not_allowed", "you are already on stage")] }
            return me.handRaised ? [] : [.send(.handRaise)]
        case .lowerHand:
            return me.handRaised ? [.send(.handLower(HandLower()))] : []
        case .mute:
            guard me.isOnStage else { return [refusal("not_allowed", "only people on stage have a microphone")] }
            selfMuted = true
            return me.muted ? [] : [.send(.moderation(Moderation(.action(.mute), target: me.key)))]
        case .unmute:
            guard me.isOnStage else { return [refusal("not_allowed", "only people on stage have a microphone")] }
            selfMuted = false
            return me.muted ? [.send(.moderation(Moderation(.unmuteOwn, target: me.key)))] : []
        case .acceptInvite:
            guard let invitation else { return [refusal("not_allowed", "there is no invitation to accept")] }
            return accept(invitation)
        case .moderate(let action, let member):
            return moderate(action, member, now: now)
        case .leave:
            return leave()
        case .chat(let chatCommand):
            return performChat(chatCommand, now: now)
        }
    }

    private func refusal(_ code: String, _ message: String) -> Effect {
        .event(.error(code: code, message: message))
    }

    /// A moderator's action, checked against its row of the moderation table (who may do it to
    /// whom, and whether it would change anything) before anything is sent.
    private mutating func moderate(_ action: ModerationAction, _ id: MemberID?, now: UInt64) -> [Effect] {
        let rule = action.rule
        guard let me, me.role >= rule.actor else {
            return [refusal("not_allowed", "only moderators can \(action.phrase)")]
        }
        var target: Participant?
        if case .member(let condition) = rule.whom {
            guard let id else { return [refusal("bad_command", "\(rule.headlessName) needs a member")] }
            guard let member = roster[id] else { return [refusal("no_such_member", "nobody in the room has the id \(id)")] }
            guard member.role != .host else { return [refusal("not_allowed", "nobody can act on the host")] }
            guard condition.holds(for: member.state) else { return [refusal("not_allowed", condition.refusal(id.text))] }
            if let pointless = rule.pointlessWhen, pointless.holds(for: member.state) {
                return [refusal("not_allowed", pointless.refusal(id.text))]
            }
            target = member
        }
        switch action {
        case .inviteToStage, .makeModerator:
            guard case .sealedGrant(let role) = rule.wire else { preconditionFailure("a grant is sealed") }
            return invite(target!, role: role, now: now)
        case .dismissHand:
            return [.send(.handLower(HandLower(memberKey: target!.key)))]
        case .lowerEveryHand:
            guard roster.all.contains(where: \.handRaised) else { return [refusal("not_allowed", "nobody has a raised hand")] }
            return [.send(.moderation(Moderation(.action(action), target: nil)))]
        case .mute:
            return [.send(.moderation(Moderation(.action(action), target: target!.key)))]
        case .moveToAudience, .remove:
            revokeGrant(of: target!)
            return [.send(.moderation(Moderation(.action(action), target: target!.key)))]
        case .ban:
            revokeGrant(of: target!)
            return ban(target!, now: now)
        case .endRoom:
            return [.send(.moderation(Moderation(.action(action), target: nil)))]
        }
    }

    /// A move to the audience, a removal or a ban voids the grant the target's role rested on
    /// (docs/PROTOCOL.md §4.5): this client revokes it on its own decision, not on the relay's
    /// word that it happened, and as keeper lists it in its next epoch statement.
    private mutating func revokeGrant(of target: Participant) {
        if let grant = target.roleProof?.grants.first { authority.revoke(signature: grant.signature) }
    }

    /// A ban: the member goes, its key is never sealed to again, and the link that admitted it is
    /// replaced, so that whoever still holds that link (the banned person with a fresh identity
    /// included) gets nothing more: the relay refuses it and no keeper seals to it. The host
    /// replaces the link itself; a moderator tells the host, end to end (a kind 7 blob sealed to
    /// the host's box key, docs/PROTOCOL.md §7.5), since only the host can sign links.
    private mutating func ban(_ target: Participant, now: UInt64) -> [Effect] {
        var effects: [Effect] = [.send(.moderation(Moderation(.action(.ban), target: target.key)))]
        let linkKey = target.credential?.linkKey
        if identity.isHost {
            effects += banned(target.key, admittedBy: linkKey, now: now)
        } else if let host = roster[MemberID(key: identity.hostKey)], let linkKey, let grant = vouchingGrant,
                  let sealed = try? SealedBox.seal(Self.banNotice(banned: target.key, linkKey: linkKey, roomID: identity.keys.roomID,
                                                                  grant: grant, signer: identity.memberKey), to: host.boxKey),
                  let blob = try? MetadataBox.seal(sealed, kind: .banNotice, metadataKey: identity.keys.metadataKey) {
            authority.banned.insert(target.key)
            effects.append(.send(.blobSend(BlobSend(blob: blob))))
        } else {
            authority.banned.insert(target.key)
        }
        return effects
    }

    /// Never seals to `memberKey` again and, on the host, replaces the link `linkKey` when it is
    /// one of the room's current links: a new charter to the relay, the new links to the faces.
    mutating func banned(_ memberKey: [UInt8], admittedBy linkKey: [UInt8]?, now: UInt64) -> [Effect] {
        authority.banned.insert(memberKey)
        authority.admitted.remove(memberKey)
        guard let hosted = identity.hosted, let linkKey else { return [] }
        do {
            guard let replaced = try hosted.replacing(linkKey: linkKey, now: now) else { return [] }
            identity.hosted = replaced
            authority.charter = replaced.charter
            return [.send(.charterUpdate(CharterUpdate(charter: replaced.charter))),
                    .event(.linksChanged(listenLink: replaced.listenLink.text, speakLink: replaced.speakLink.text))]
        } catch {
            return [refusal("internal", "could not sign the new links: \(error)")]
        }
    }

    /// Signs a grant for the member and sends it sealed to that member alone (docs/PROTOCOL.md
    /// §7.3, kind 6): the blob goes to the room, but only the invitee's box key opens the grant.
    private mutating func invite(_ target: Participant, role: Role, now: UInt64) -> [Effect] {
        do {
            let grant = try Grant(roomID: identity.keys.roomID, memberKey: target.key, role: role,
                                  expiry: now + Self.invitationSeconds, signer: identity.memberKey)
            let sealed = try SealedBox.seal(grant.encoded, to: target.boxKey)
            let blob = try MetadataBox.seal(sealed, kind: .stageInvitation, metadataKey: identity.keys.metadataKey)
            return [.send(.blobSend(BlobSend(blob: blob)))]
        } catch {
            return [refusal("internal", "could not sign the invitation: \(error)")]
        }
    }

    private mutating func accept(_ grant: Grant) -> [Effect] {
        invitation = nil
        identity.grant = grant
        return [.send(.grantPresent(GrantPresent(grant: grant)))]
    }

    /// A blob from the room: a stage invitation is opened if it is for this member. Someone
    /// who raised a hand asked to come up, so the invitation is accepted at once; otherwise the
    /// face is told and `accept_invite` accepts it. On the host, a moderator's ban notice
    /// replaces the banned member's link.
    mutating func blobDelivered(_ delivery: BlobDelivery, now: UInt64) -> [Effect] {
        if let chatEffects = chatBlobDelivered(delivery, now: now) { return chatEffects }
        if identity.isHost, let sealed = try? MetadataBox.open(delivery.blob, kind: .banNotice, metadataKey: identity.keys.metadataKey) {
            return banNoticeReceived(sealed, now: now)
        }
        guard let me,
              let sealed = try? MetadataBox.open(delivery.blob, kind: .stageInvitation, metadataKey: identity.keys.metadataKey),
              let encoded = try? SealedBox.open(sealed, with: boxKey),
              let grant = try? Grant(encoded: encoded),
              grant.memberKey == me.key, grant.roomID == identity.keys.roomID, grant.role > me.role else { return [] }
        let from = roster.participant(key: grant.signerKey)?.info ?? MemberInfo(id: MemberID(key: grant.signerKey), name: nil, role: .moderator)
        if me.handRaised { return accept(grant) }
        invitation = grant
        return [.event(.invitedToStage(by: from, role: grant.role))]
    }

    /// What a moderator's ban notice signs: the banned member key and the link key that admitted it.
    static let banNoticeLabel = Array("parlor/1 ban notice".utf8)

    /// `banned(32) ‖ link key(32) ‖ the moderator's grant from the host(169) ‖ its signature(64)`.
    static func banNotice(banned: [UInt8], linkKey: [UInt8], roomID: [UInt8], grant: Grant, signer: Ed25519SigningKey) -> [UInt8] {
        banned + linkKey + grant.encoded + signer.sign(banNoticeLabel + roomID + banned + linkKey)
    }

    /// A moderator banned someone: the host takes it as its own ban when the notice is signed by a
    /// moderator whose grant the host key signed and the host did not see revoked — never on the
    /// relay's word for who sent it or who is a moderator. (The notice opens only with the host's box key, so nobody else learns of it.)
    private mutating func banNoticeReceived(_ sealed: [UInt8], now: UInt64) -> [Effect] {
        let length = 64 + Grant.encodedLength + Ed25519SigningKey.signatureLength
        guard let opened = try? SealedBox.open(sealed, with: boxKey), opened.count == length,
              let grant = try? Grant(encoded: opened[64..<(64 + Grant.encodedLength)]) else {
            return refuse("ban_notice", "a ban notice that does not open")
        }
        let banned = Array(opened[0..<32]), linkKey = Array(opened[32..<64])
        let signature = Array(opened[(64 + Grant.encodedLength)...])
        guard grant.role == .moderator, !authority.isRevoked(grant),
              (try? grant.verify(roomID: identity.keys.roomID, signer: identity.hostKey, now: now)) != nil,
              Ed25519SigningKey.verify(signature, of: Self.banNoticeLabel + identity.keys.roomID + banned + linkKey, publicKey: grant.memberKey) else {
            return refuse("ban_notice", "a ban notice not signed by a moderator the host appointed")
        }
        return self.banned(banned, admittedBy: linkKey, now: now)
    }
}
