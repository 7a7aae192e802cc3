import ParlorClient
import ParlorCrypto
import ParlorProtocol
import Testing

/// The relay lies (docs/PROTOCOL.md §11): each test hands real `RoomSession`s — the room client's
/// whole control logic — what a deviating relay would send, and checks that the attack is
/// refused, reported (a `refused` event and the session's counter), and that the room then goes
/// on with the honest messages. The media-side attacks (forged, replayed and far-future frames)
/// are in `MediaAuthenticityTests`; the relay's own refusals in ParlorServerTests.
@Suite struct HostileRelayTests {
    let fixture: RoomFixture
    var room: HostedRoom { fixture.room }
    let now = RoomFixture.now

    init() throws { fixture = try RoomFixture() }

    /// A host and a listener, Bob, holding epoch 1.
    func hostAndBob() throws -> (RoomSession, RoomSession) {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        #expect(bob.epochs.current == 1 && bob.epochs.currentSecret == host.epochs.currentSecret)
        return (host, bob)
    }

    func sealed(_ secret: [UInt8], to member: RoomSession) throws -> [SealedEpochSecret] {
        [SealedEpochSecret(memberKey: member.identity.memberKey.publicKey, sealedSecret: try SealedBox.seal(secret, to: member.boxKey.publicKey))]
    }

    @Test func anEpochSecretTheRelayChoseIsRefused() throws {
        var (host, bob) = try hostAndBob()
        let before = bob.epochs
        // The relay seals a secret of its choosing to Bob's box key (it knows it from the roster)…
        let chosen = RoomKeys.newEpochSecret()
        let ownStatement = try EpochStatement(roomID: room.keys.roomID, epoch: 2, secret: chosen,
                                              recipients: [(bob.identity.memberKey.publicKey, bob.boxKey.publicKey)], signer: .generate())
        #expect(refusals(bob.receive(.keyDelivery(KeyDelivery(epoch: 2, secrets: try sealed(chosen, to: bob), statement: ownStatement)),
                                     now: now)) == ["epoch_key"], "vouched for by a key that is not the host's")
        // …or under the host's real statement for the next epoch (a newcomer moves the room on).
        var cy = try fixture.member("Cy", slot: 3, host: host)
        let moved = fixture.admit(&cy, slot: 3, into: &host, now: now + 5)
        let real = sent(moved).compactMap { if case .keyDelivery(let d) = $0 { d } else { nil } }.first!
        let swapped = KeyDelivery(epoch: real.epoch, secrets: try sealed(chosen, to: bob), statement: real.statement)
        #expect(refusals(bob.receive(.keyDelivery(swapped), now: now)) == ["epoch_key"], "a secret the statement does not commit to")
        let mislabelled = KeyDelivery(epoch: real.epoch + 1, secrets: real.secrets, statement: real.statement)
        #expect(refusals(bob.receive(.keyDelivery(mislabelled), now: now)) == ["epoch_key"], "another epoch's statement")
        #expect(bob.epochs == before, "nothing was installed")
        // The honest delivery still goes through, and everyone reads the same safety code.
        fixture.deliver(moved, to: &bob)
        #expect(bob.epochs.current == 2 && bob.epochs.currentSecret == host.epochs.currentSecret)
        #expect(bob.refusals == 3 && bob.safetyCode == host.safetyCode && cy.safetyCode == host.safetyCode)
    }

    @Test func aPhantomMemberIsRefusedAndGetsNoKeys() throws {
        var (host, _) = try hostAndBob()
        // A member the relay made up: it knows the room id and the host's public key, not a link's private key.
        let phantom = Ed25519SigningKey.generate(), phantomBox = X25519KeyPair.generate()
        let fakeLink = Ed25519SigningKey.generate()
        let fakeGrant = try Grant(roomID: room.keys.roomID, memberKey: fakeLink.publicKey, role: .listener, expiry: now + 60, signer: .generate())
        let invented = MemberEntry(memberKey: phantom.publicKey, boxKey: phantomBox.publicKey, role: .listener, senderSlot: 9,
                                   credential: MemberCredential(roomID: room.keys.roomID, memberKey: phantom, boxKey: phantomBox.publicKey,
                                                                link: (fakeLink, fakeGrant)))
        let effects = host.receive(.memberJoined(MemberJoined(member: invented)), now: now + 5)
        #expect(refusals(effects) == ["member"])
        #expect(sent(effects).isEmpty, "nothing sealed to it")
        #expect(host.roster[MemberID(key: phantom.publicKey)] == nil)
        // A later rekey (a real newcomer) is sealed to the real members only, and says so in its statement.
        var cy = try fixture.member("Cy", slot: 3, host: host)
        let moved = fixture.admit(&cy, slot: 3, into: &host, now: now + 10)
        let deliveries = sent(moved).compactMap { if case .keyDelivery(let d) = $0 { d } else { nil } }
        #expect(deliveries.flatMap(\.secrets).map(\.memberKey).contains(phantom.publicKey) == false)
        #expect(deliveries.first?.statement.holders == 3, "host, Bob and Cy")
        #expect(cy.epochs.current == 2 && host.refusals == 1)
    }

    @Test func aSubstitutedBoxKeyIsRefused() throws {
        var (host, bob) = try hostAndBob()
        // Bob's real entry with the relay's box key: the relay could open what is sealed to it.
        let relayBox = X25519KeyPair.generate()
        let real = fixture.entry(joining: bob, role: .listener, slot: 2)
        let swapped = MemberEntry(memberKey: real.memberKey, boxKey: relayBox.publicKey, role: .listener, senderSlot: 2,
                                  credential: real.credential)
        let effects = host.receive(.memberJoined(MemberJoined(member: swapped)), now: now + 5)
        #expect(refusals(effects) == ["member"] && sent(effects).isEmpty)
        #expect(host.roster[bob.identity.memberID]?.boxKey == bob.boxKey.publicKey, "the verified entry stays")
        _ = bob
    }

    @Test func aSecondJoinedIsRefused() throws {
        var (host, bob) = try hostAndBob()
        let slot = bob.me?.slot
        let effects = bob.receive(.joined(Joined(memberIndex: 0, senderSlot: 40, role: .listener, epoch: 0, roster: [fixture.hostEntry(of: host)])), now: now)
        #expect(refusals(effects) == ["joined"])
        #expect(bob.me?.slot == slot && bob.phase == .inRoom && bob.epochs.current == 1)
        _ = host.tick(now: now)
    }

    @Test func anImpostorHostAndItsKeysAreRefused() throws {
        let host = fixture.host()
        var listener = RoomSession(identity: try RoomIdentity(link: room.listenLink, name: "Cy"))
        _ = listener.connected(handshakeHash: [UInt8](repeating: 1, count: 64))
        // Someone else's key claims to host the room (as after a re-creation by an impostor).
        let impostor = Ed25519SigningKey.generate(), impostorBox = X25519KeyPair.generate()
        let fake = MemberEntry(memberKey: impostor.publicKey, boxKey: impostorBox.publicKey, role: .host, senderSlot: 1,
                               credential: MemberCredential(roomID: room.keys.roomID, memberKey: impostor, boxKey: impostorBox.publicKey, link: nil))
        let joined = listener.receive(.joined(Joined(memberIndex: 1, senderSlot: 2, role: .listener, epoch: 0, roster: [fake])), now: now)
        #expect(refusals(joined) == ["member"])
        #expect(listener.roster[MemberID(key: impostor.publicKey)] == nil && listener.title == nil)
        let secret = RoomKeys.newEpochSecret()
        let statement = try EpochStatement(roomID: room.keys.roomID, epoch: 0, secret: secret,
                                           recipients: [(listener.identity.memberKey.publicKey, listener.boxKey.publicKey)], signer: impostor)
        let keys = listener.receive(.keyDelivery(KeyDelivery(epoch: 0, secrets: try sealed(secret, to: listener), statement: statement)), now: now)
        #expect(refusals(keys) == ["epoch_key"] && listener.epochs.current == nil)
        _ = host
    }

    @Test func epochsMoveByOneOnlyOnceInTheRoom() throws {
        var (host, bob) = try hostAndBob()
        func delivery(_ epoch: UInt64) throws -> KeyDelivery {
            let secret = RoomKeys.newEpochSecret()
            let statement = try EpochStatement(roomID: room.keys.roomID, epoch: epoch, secret: secret,
                                               recipients: [(bob.identity.memberKey.publicKey, bob.boxKey.publicKey)], signer: room.hostKey)
            return KeyDelivery(epoch: epoch, secrets: try sealed(secret, to: bob), statement: statement)
        }
        // Even the host's own key cannot jump the room far ahead (to 2^48 - 1, stopping every
        // later rekey) nor back.
        #expect(refusals(bob.receive(.keyDelivery(try delivery(EpochStatement.maximumEpoch)), now: now)) == ["epoch_key"])
        #expect(refusals(bob.receive(.keyDelivery(try delivery(0)), now: now)) == ["epoch_key"])
        #expect(refusals(bob.receive(.keyDelivery(try delivery(1)), now: now)) == ["epoch_key"], "a second secret for the current epoch")
        #expect(bob.epochs.current == 1)
        #expect(refusals(bob.receive(.keyDelivery(try delivery(2)), now: now)).isEmpty)
        #expect(bob.epochs.current == 2 && bob.refusals == 3)
        _ = host.tick(now: now)
    }

    @Test func aModeratorVouchesOnlyWithTheHostsGrant() throws {
        var (host, bob) = try hostAndBob()
        let moderator = Ed25519SigningKey.generate()
        let secret = RoomKeys.newEpochSecret()
        let statement = try EpochStatement(roomID: room.keys.roomID, epoch: 2, secret: secret,
                                           recipients: [(bob.identity.memberKey.publicKey, bob.boxKey.publicKey)], signer: moderator)
        let byModerator = try Grant(roomID: room.keys.roomID, memberKey: moderator.publicKey, role: .moderator, expiry: now + 60, signer: .generate())
        #expect(refusals(bob.receive(.keyDelivery(KeyDelivery(epoch: 2, secrets: try sealed(secret, to: bob), statement: statement,
                                                                 authority: byModerator)), now: now)) == ["epoch_key"])
        let byHost = try Grant(roomID: room.keys.roomID, memberKey: moderator.publicKey, role: .moderator, expiry: now + 60, signer: room.hostKey)
        #expect(refusals(bob.receive(.keyDelivery(KeyDelivery(epoch: 2, secrets: try sealed(secret, to: bob), statement: statement,
                                                                 authority: byHost)), now: now)).isEmpty)
        #expect(bob.epochs.current == 2)
        _ = host.tick(now: now)
    }

    @Test func aForgedCharterIsRefused() throws {
        var (host, bob) = try hostAndBob()
        let forged = try RoomCharter(roomID: room.keys.roomID, version: 9, linkKeys: [Ed25519SigningKey.generate().publicKey], host: .generate())
        #expect(refusals(bob.receive(.charterUpdate(CharterUpdate(charter: forged)), now: now)) == ["charter"])
        #expect(refusals(host.receive(.charterUpdate(CharterUpdate(charter: forged)), now: now)) == ["charter"])
    }

    /// Threat 19: a relay that tells a listener it is on stage would turn its microphone on and
    /// send the room its voice. A client takes a role above what it agreed to (its link's, or an
    /// accepted invitation's) from neither `role_changed` nor `joined`, and no `member_joined` or
    /// `member_left` about itself (`LyingRelayChaosTests` found that way round the check: its own
    /// entry replaced on stage, a `role_changed` then raised it from there).
    @Test func theRelayCannotPutAListenerOnStage() throws {
        var (host, bob) = try hostAndBob()
        let bobKey = bob.identity.memberKey.publicKey
        for role in [Role.speaker, .moderator] {
            let effects = bob.receive(.roleChanged(RoleChanged(memberKey: bobKey, role: role)), now: now)
            #expect(refusals(effects) == ["role"] && !effects.contains(.mediaChanged), "put on stage as \(role)")
        }
        #expect(bob.me?.role == .listener && bob.refusals == 2)
        // Let in as a speaker by a listen link: in the room, as a listener.
        var eve = RoomSession(identity: try RoomIdentity(link: room.listenLink, name: "Eve"))
        _ = eve.connected(handshakeHash: [UInt8](repeating: 3, count: 64))
        let joined = eve.receive(.joined(Joined(memberIndex: 2, senderSlot: 4, role: .speaker, epoch: 1, roster: [fixture.hostEntry(of: host)])), now: now)
        #expect(refusals(joined) == ["role"] && eve.phase == .inRoom && eve.me?.role == .listener)
        // A speak link's holder chose to speak: it comes in on stage.
        let cy = try fixture.member("Cy", link: room.speakLink, slot: 3, host: host)
        #expect(cy.refusals == 0 && cy.me?.role == .speaker)
        // Invited after raising a hand, Bob accepts and the relay's `role_changed` puts him on stage.
        _ = bob.receive(.handUpdate(HandUpdate(memberKey: bobKey, raised: true)), now: now)
        let invitation = sent(host.perform(.moderate(.inviteToStage, member: MemberID(key: bobKey)), now: now))
            .compactMap { if case .blobSend(let b) = $0 { b.blob } else { nil } }
        #expect(invitation.count == 1)
        let accepted = invitation.flatMap { sent(bob.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: $0)), now: now)) }
        #expect(accepted.contains { if case .grantPresent = $0 { true } else { false } }, "Bob accepts the invitation")
        let promoted = bob.receive(.roleChanged(RoleChanged(memberKey: bobKey, role: .speaker)), now: now)
        #expect(refusals(promoted).isEmpty && bob.me?.role == .speaker && promoted.contains(.mediaChanged))
        // Moved back to the audience, Bob's consent goes with his grant. The relay kept the grant
        // he presented: it shows Bob his own entry on stage with it, then raises him again.
        _ = bob.receive(.roleChanged(RoleChanged(memberKey: bobKey, role: .listener)), now: now)
        let kept = RoleProof([try Grant(roomID: room.keys.roomID, memberKey: bobKey, role: .speaker, expiry: now + 60, signer: room.hostKey)])
        var own = fixture.entry(of: bob, slot: 2)
        own.role = .speaker
        own.roleProof = kept
        #expect(refusals(bob.receive(.memberJoined(MemberJoined(member: own)), now: now)) == ["member"], "his own member_joined")
        #expect(refusals(bob.receive(.roleChanged(RoleChanged(memberKey: bobKey, role: .speaker, roleProof: kept)), now: now)) == ["role"])
        #expect(bob.me?.role == .listener && bob.roster[bob.me!.id]?.role == .listener)
        #expect(refusals(bob.receive(.memberLeft(MemberLeft(memberKey: bobKey)), now: now)) == ["member"], "his own member_left")
        #expect(bob.roster[bob.me!.id] != nil)
    }

    /// Threat 20: with a listener's help, a relay that shows that listener on stage would have its
    /// voice played to everyone. A raised role holds only with the grants behind it (a role
    /// proof, §7.2); without them, or with grants that do not reach the host, it is refused and
    /// the member stays where its credential puts it.
    @Test func theRelayCannotShowAListenerOnStageWithoutItsGrants() throws {
        var (host, bob) = try hostAndBob()
        let dan = try fixture.guest("Dan", slot: 4)
        let danKey = dan.key.publicKey
        // Dan appears to Bob on stage by `member_joined`: taken as the listener his link makes him.
        var shown = dan.entry
        shown.role = .speaker
        let joined = bob.receive(.memberJoined(MemberJoined(member: shown)), now: now)
        #expect(refusals(joined) == ["role"] && bob.roster[dan.id]?.role == .listener && !bob.roster.stage.contains { $0.id == dan.id })
        // Raised by `role_changed`, to the host: with no proof, with one Dan signed himself, and
        // with one a moderator the host never appointed signed.
        _ = host.receive(.memberJoined(MemberJoined(member: dan.entry)), now: now)
        let selfSigned = RoleProof([try Grant(roomID: room.keys.roomID, memberKey: danKey, role: .moderator, expiry: now + 60, signer: dan.key)])
        let impostor = Ed25519SigningKey.generate()
        let throughImpostor = RoleProof([try Grant(roomID: room.keys.roomID, memberKey: impostor.publicKey, role: .moderator, expiry: now + 60,
                                                   signer: impostor)])
            .extended(by: try Grant(roomID: room.keys.roomID, memberKey: danKey, role: .speaker, expiry: now + 60, signer: impostor))
        for proof in [nil, selfSigned, throughImpostor] {
            let effects = host.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .speaker, roleProof: proof)), now: now)
            #expect(refusals(effects) == ["role"] && host.roster[dan.id]?.role == .listener)
        }
        #expect(host.refusals == 3 && bob.refusals == 1)
        // With the host's grant behind it, the same message holds.
        let granted = RoleProof([try Grant(roomID: room.keys.roomID, memberKey: danKey, role: .speaker, expiry: now + 60, signer: room.hostKey)])
        let raised = host.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .speaker, roleProof: granted)), now: now)
        #expect(refusals(raised).isEmpty && host.roster[dan.id]?.role == .speaker && raised.contains(.mediaChanged))
        shown.roleProof = granted
        var carol = try fixture.member("Carol", slot: 5, host: host)
        #expect(refusals(carol.receive(.memberJoined(MemberJoined(member: shown)), now: now)).isEmpty && carol.roster[dan.id]?.role == .speaker)
    }

    /// Threat 22: a move to the audience revokes the grant the member's role rested on (§4.5). A
    /// relay that shows that member on stage again with the same grant — by `role_changed`, or by
    /// `member_joined` to a listener who no longer sees it — is refused; so are an epoch and a ban
    /// notice vouched for by a moderator's revoked grant. A fresh grant puts the member back.
    @Test func aGrantRevokedByAMoveToTheAudienceProvesNothingAgain() throws {
        var (host, bob) = try hostAndBob()
        let roomID = room.keys.roomID
        let dan = try fixture.guest("Dan", slot: 4)
        let danKey = dan.key.publicKey
        let invited = RoleProof([try Grant(roomID: roomID, memberKey: danKey, role: .speaker, expiry: now + 60, signer: room.hostKey)])
        var onStage = dan.entry
        onStage.role = .speaker
        onStage.roleProof = invited
        _ = host.receive(.memberJoined(MemberJoined(member: dan.entry)), now: now)
        #expect(refusals(host.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .speaker, roleProof: invited)), now: now)).isEmpty)
        #expect(refusals(bob.receive(.memberJoined(MemberJoined(member: onStage)), now: now)).isEmpty && bob.roster[dan.id]?.role == .speaker)
        // A moderator moves Dan to the audience; both see it.
        _ = host.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .listener)), now: now)
        _ = bob.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .listener)), now: now)
        #expect(host.roster[dan.id]?.role == .listener && bob.roster[dan.id] == nil)
        // Shown on stage again with the grant the move revoked: refused by both.
        let again = host.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .speaker, roleProof: invited)), now: now)
        #expect(refusals(again) == ["role"] && host.roster[dan.id]?.role == .listener)
        let rejoined = bob.receive(.memberJoined(MemberJoined(member: onStage)), now: now)
        #expect(refusals(rejoined) == ["role"] && bob.roster[dan.id]?.isOnStage == false)
        // Invited again, by a fresh grant: back on stage.
        let reinvited = RoleProof([try Grant(roomID: roomID, memberKey: danKey, role: .speaker, expiry: now + 61, signer: room.hostKey)])
        #expect(refusals(host.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .speaker, roleProof: reinvited)), now: now)).isEmpty)
        #expect(refusals(bob.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .speaker, roleProof: reinvited)), now: now)).isEmpty)
        #expect(host.roster[dan.id]?.role == .speaker && bob.roster[dan.id]?.role == .speaker)

        // Mo, appointed by the host, vouches for epoch 2; moved to the audience, his grant
        // vouches for nothing more (epoch 3), and the host takes no ban from him.
        let mo = try fixture.guest("Mo", slot: 5)
        let appointment = try Grant(roomID: roomID, memberKey: mo.key.publicKey, role: .moderator, expiry: now + 3600, signer: room.hostKey)
        var moderator = mo.entry
        moderator.role = .moderator
        moderator.roleProof = RoleProof([appointment])
        _ = host.receive(.memberJoined(MemberJoined(member: mo.entry)), now: now)
        #expect(refusals(host.receive(.roleChanged(RoleChanged(memberKey: mo.key.publicKey, role: .moderator, roleProof: RoleProof([appointment]))),
                                      now: now)).isEmpty)
        #expect(refusals(bob.receive(.memberJoined(MemberJoined(member: moderator)), now: now)).isEmpty)
        // Down to speaker by a grant he presented himself (not a move): his appointment still holds.
        let speaking = RoleProof([try Grant(roomID: roomID, memberKey: mo.key.publicKey, role: .speaker, expiry: now + 60, signer: room.hostKey)])
        _ = host.receive(.roleChanged(RoleChanged(memberKey: mo.key.publicKey, role: .speaker, roleProof: speaking)), now: now)
        #expect(refusals(host.receive(.roleChanged(RoleChanged(memberKey: mo.key.publicKey, role: .moderator, roleProof: RoleProof([appointment]))),
                                      now: now)).isEmpty && host.roster[MemberID(key: mo.key.publicKey)]?.role == .moderator)
        func vouched(_ epoch: UInt64) throws -> KeyDelivery {
            let secret = RoomKeys.newEpochSecret()
            let statement = try EpochStatement(roomID: roomID, epoch: epoch, secret: secret,
                                               recipients: [(bob.identity.memberKey.publicKey, bob.boxKey.publicKey)], signer: mo.key)
            return KeyDelivery(epoch: epoch, secrets: try sealed(secret, to: bob), statement: statement, authority: appointment)
        }
        #expect(refusals(bob.receive(.keyDelivery(try vouched(2)), now: now)).isEmpty && bob.epochs.current == 2)
        _ = host.receive(.roleChanged(RoleChanged(memberKey: mo.key.publicKey, role: .listener)), now: now)
        _ = bob.receive(.roleChanged(RoleChanged(memberKey: mo.key.publicKey, role: .listener)), now: now)
        #expect(refusals(bob.receive(.keyDelivery(try vouched(3)), now: now)) == ["epoch_key"] && bob.epochs.current == 2)
        let claim = dan.key.publicKey + room.listenLink.admission.linkKey.publicKey
        let notice = claim + appointment.encoded + mo.key.sign(Array("parlor/1 ban notice".utf8) + roomID + claim)
        let blob = try MetadataBox.seal(try SealedBox.seal(notice, to: host.boxKey.publicKey), kind: .banNotice, metadataKey: room.keys.metadataKey)
        let ban = host.receive(.blobDelivery(BlobDelivery(memberKey: mo.key.publicKey, blob: blob)), now: now)
        #expect(refusals(ban) == ["ban_notice"] && !sent(ban).contains { if case .charterUpdate = $0 { true } else { false } })
        #expect(host.refusals == 2 && bob.refusals == 2)
    }

    /// Threat 22 for a newcomer, who never saw the move: the keeper's epoch statement lists the
    /// grants it saw revoked, and its `key_delivery` carries them. Eve arrives after Dan was moved
    /// to the audience, and the relay shows her Dan on stage by the revoked grant: she cannot know
    /// yet, and has no key to hear him by. The epoch made for her lists the grant, and she takes
    /// Dan down. A relay that drops the list, or adds to it, gets the epoch refused.
    @Test func aNewcomerLearnsFromTheKeeperOfAMoveItNeverSaw() throws {
        var host = fixture.host()
        let dan = try fixture.guest("Dan", slot: 4)
        let danKey = dan.key.publicKey
        let invited = RoleProof([try Grant(roomID: room.keys.roomID, memberKey: danKey, role: .speaker, expiry: now + 60, signer: room.hostKey)])
        _ = host.receive(.memberJoined(MemberJoined(member: dan.entry)), now: now)
        _ = host.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .speaker, roleProof: invited)), now: now)
        _ = host.receive(.roleChanged(RoleChanged(memberKey: danKey, role: .listener)), now: now)
        var eve = RoomSession(identity: try RoomIdentity(link: room.listenLink, name: "Eve"))
        _ = eve.connected(handshakeHash: [UInt8](repeating: 2, count: 64))
        var onStage = dan.entry
        onStage.role = .speaker
        onStage.roleProof = invited
        _ = eve.receive(.joined(Joined(memberIndex: 2, senderSlot: 5, role: .listener, epoch: 0, roster: [fixture.hostEntry(of: host), onStage])),
                        now: now)
        #expect(eve.roster[dan.id]?.role == .speaker && eve.epochs.current == nil)
        let admitted = host.receive(.memberJoined(MemberJoined(member: fixture.entry(of: eve, slot: 5))), now: now + 5)
        let delivery = try #require(sent(admitted).compactMap { if case .keyDelivery(let d) = $0 { d } else { nil } }.first)
        let own = KeyDelivery(epoch: delivery.epoch, secrets: delivery.secrets.filter { $0.memberKey == eve.identity.memberKey.publicKey },
                              statement: delivery.statement, authority: delivery.authority, revoked: delivery.revoked)
        #expect(own.revoked == [invited.grants[0].signature] && own.secrets.count == 1)
        var dropped = own, added = own
        dropped.revoked = []
        added.revoked.append(try Grant(roomID: room.keys.roomID, memberKey: eve.identity.memberKey.publicKey, role: .speaker, expiry: now + 60,
                                       signer: room.hostKey).signature)
        for lie in [dropped, added] {
            #expect(refusals(eve.receive(.keyDelivery(lie), now: now + 5)) == ["epoch_key"] && eve.epochs.current == nil)
        }
        let honest = eve.receive(.keyDelivery(own), now: now + 5)
        #expect(refusals(honest) == ["role"] && eve.epochs.current == delivery.epoch)
        #expect(eve.roster[dan.id]?.isOnStage != true && events(honest).contains { $0.name == "speaker_removed" })
    }

    /// The host's own move, removal or ban voids the target's grant on the host's decision, not on
    /// the relay's word: a relay that carries out none of it, and tells nobody, still finds the
    /// grant on the host's next epoch statement.
    @Test func theKeepersOwnMoveIsListedEvenWhenTheRelayHidesIt() throws {
        for action in [ModerationAction.moveToAudience, .remove, .ban] {
            var host = fixture.host()
            let dan = try fixture.guest("Dan", slot: 4)
            let invited = RoleProof([try Grant(roomID: room.keys.roomID, memberKey: dan.key.publicKey, role: .speaker, expiry: now + 60,
                                               signer: room.hostKey)])
            _ = host.receive(.memberJoined(MemberJoined(member: dan.entry)), now: now)
            _ = host.receive(.roleChanged(RoleChanged(memberKey: dan.key.publicKey, role: .speaker, roleProof: invited)), now: now)
            #expect(!sent(host.perform(.moderate(action, member: dan.id), now: now)).isEmpty)
            // Bob comes by the speak link: a ban replaces the listen link that admitted Dan.
            var bob = try fixture.member("Bob", link: room.speakLink, slot: 2, host: host)
            let admitted = host.receive(.memberJoined(MemberJoined(member: fixture.entry(of: bob, slot: 2))), now: now + 5)
            let listed = sent(admitted).compactMap { if case .keyDelivery(let d) = $0 { d.revoked } else { nil } }
            #expect(listed == [[invited.grants[0].signature]], "\(action)")
            fixture.deliver(admitted, to: &bob, now: now + 5)
            var onStage = dan.entry
            onStage.role = .speaker
            onStage.roleProof = invited
            #expect(refusals(bob.receive(.memberJoined(MemberJoined(member: onStage)), now: now + 5)) == ["role"], "\(action)")
        }
    }

    /// Threat 22, the relay keeping a move from the member moved: Bob, invited on stage, is moved
    /// to the audience, but only the host is told. The host's next epoch lists Bob's grant as
    /// revoked; Bob takes himself off the stage (his microphone goes off) and drops the grant.
    @Test func aMemberTheRelayDidNotTellOfItsMoveLeavesTheStageWithTheKeepersList() throws {
        var (host, bob) = try hostAndBob()
        let bobKey = bob.identity.memberKey.publicKey
        _ = bob.receive(.handUpdate(HandUpdate(memberKey: bobKey, raised: true)), now: now)
        let invitation = sent(host.perform(.moderate(.inviteToStage, member: MemberID(key: bobKey)), now: now))
            .compactMap { if case .blobSend(let b) = $0 { b.blob } else { nil } }
        let presented = invitation.flatMap { sent(bob.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: $0)), now: now)) }
            .compactMap { if case .grantPresent(let p) = $0 { p.grant } else { nil } }
        let grant = try #require(presented.first)
        _ = bob.receive(.roleChanged(RoleChanged(memberKey: bobKey, role: .speaker)), now: now)
        _ = host.receive(.roleChanged(RoleChanged(memberKey: bobKey, role: .speaker, roleProof: RoleProof([grant]))), now: now)
        #expect(bob.me?.role == .speaker && host.roster[MemberID(key: bobKey)]?.role == .speaker)
        _ = host.receive(.roleChanged(RoleChanged(memberKey: bobKey, role: .listener)), now: now)
        var cy = try fixture.member("Cy", slot: 3, host: host)
        let moved = fixture.admit(&cy, slot: 3, into: &host, now: now + 5)
        let before = bob.refusals
        fixture.deliver(moved, to: &bob, now: now + 5)
        #expect(bob.epochs.current == host.epochs.current && bob.refusals == before + 1)
        #expect(bob.me?.role == .listener && bob.identity.grant == nil)
    }

    /// Threat 21: the relay cannot read names, but it says whose each sealed card is. Moving the
    /// host's card (its name and the room's title) to Dan, or Bob's name to Dan, is refused: a
    /// card opens only under the key that signed it, and Dan stays nameless.
    @Test func aNameTheRelayMovesToAnotherMemberIsRefused() throws {
        var (host, bob) = try hostAndBob()
        let dan = try fixture.guest(nil, slot: 4)
        let hostCard = try #require(fixture.hostEntry(of: host).profile)
        var moved = dan.entry
        moved.profile = hostCard
        let joined = bob.receive(.memberJoined(MemberJoined(member: moved)), now: now)
        #expect(refusals(joined) == ["profile"] && bob.roster[dan.id] != nil && bob.roster[dan.id]?.card == nil)
        let bobCard = try #require(fixture.entry(of: bob, slot: 2).profile)
        let delivered = host.receive(.memberJoined(MemberJoined(member: dan.entry)), now: now)
            + host.receive(.profileDelivery(Profile(memberKey: dan.key.publicKey, blob: bobCard)), now: now)
        #expect(refusals(delivered) == ["profile"] && host.roster[dan.id]?.card == nil)
        // Dan's own card, signed by Dan, names him.
        let own = try ProfileCard(name: "Dan").sealed(metadataKey: room.keys.metadataKey, roomID: room.keys.roomID, signer: dan.key)
        _ = host.receive(.profileDelivery(Profile(memberKey: dan.key.publicKey, blob: own)), now: now)
        #expect(host.roster[dan.id]?.card?.name == "Dan" && bob.roster[host.me!.id]?.card?.title == "Tea")
    }
}
