import Foundation
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import Testing

/// `RoomSession` without a network: relay messages in, effects out.
@Suite struct RoomSessionTests {
    let fixture: RoomFixture
    var room: HostedRoom { fixture.room }
    var relayKey: [UInt8] { fixture.relayKey }

    init() throws {
        fixture = try RoomFixture()
    }

    func entry(_ key: Ed25519SigningKey, box: X25519KeyPair, role: Role, slot: UInt16, name: String?) throws -> MemberEntry {
        let admission = (role >= .speaker ? room.speakLink : room.listenLink).admission
        return MemberEntry(memberKey: key.publicKey, boxKey: box.publicKey, role: role, senderSlot: slot,
                           profile: try name.map { try ProfileCard(name: $0).sealed(metadataKey: room.keys.metadataKey, roomID: room.keys.roomID, signer: key) },
                           credential: MemberCredential(roomID: room.keys.roomID, memberKey: key, boxKey: box.publicKey,
                                                        link: (admission.linkKey, admission.grant)))
    }

    /// A host in its room with one listener, `bob`.
    func hostWithListener(_ bob: Ed25519SigningKey, box: X25519KeyPair) throws -> RoomSession {
        var host = RoomSession(identity: RoomIdentity(hosting: room, name: "Ana", title: "Tea", listed: false))
        let hello = host.connected(handshakeHash: [UInt8](repeating: 7, count: 64))
        #expect(sent(hello).map(\.type) == [.createRoom, .join])
        _ = host.receive(.joined(Joined(memberIndex: 0, senderSlot: 1, role: .host, epoch: 0, roster: [])), now: RoomFixture.now)
        _ = host.receive(.memberJoined(MemberJoined(member: try entry(bob, box: box, role: .listener, slot: 2, name: "Bob"))), now: RoomFixture.now)
        return host
    }

    @Test func joiningGivesTheTitleAndNamesThenKeysGiveTheSafetyCode() throws {
        var host = fixture.host()
        var listener = RoomSession(identity: try RoomIdentity(link: room.listenLink, name: "Cy"))
        _ = listener.connected(handshakeHash: [UInt8](repeating: 1, count: 64))
        let effects = listener.receive(.joined(Joined(memberIndex: 1, senderSlot: 2, role: .listener, epoch: 0,
                                                      roster: [fixture.hostEntry(of: host)])), now: RoomFixture.now)
        guard case let .joined(title, you, members, code)? = events(effects).first else {
            Issue.record("no joined event: \(effects)")
            return
        }
        #expect(title == "Tea")
        #expect(you.name == "Cy" && you.role == .listener)
        #expect(members == [MemberInfo(id: MemberID(key: room.hostKey.publicKey), name: "Ana", role: .host)])
        #expect(code == "", "no keys before the host hands them out: the link alone opens nothing")
        let keyed = events(fixture.admit(&listener, slot: 2, into: &host))
        #expect(keyed.contains { if case .rekeyed(1, _) = $0 { true } else { false } })
        let statement = try #require(host.epochs.currentStatement)
        #expect(listener.safetyCode == (try SafetyCode.compute(roomID: room.keys.roomID, relayPublicKey: relayKey,
                                                               epochSecret: host.epochs.currentSecret!, statement: statement)))
        #expect(listener.safetyCode == host.safetyCode)
    }

    @Test func aNewcomerIsAnnouncedWithTheNameFromItsProfile() throws {
        var host = try hostWithListener(.generate(), box: .generate())
        let dee = Ed25519SigningKey.generate()
        let bare = try entry(dee, box: .generate(), role: .speaker, slot: 3, name: nil)
        #expect(events(host.receive(.memberJoined(MemberJoined(member: bare)))).isEmpty, "waits for the profile")
        let blob = try ProfileCard(name: "Dee").sealed(metadataKey: room.keys.metadataKey, roomID: room.keys.roomID, signer: dee)
        let announced = events(host.receive(.profileDelivery(Profile(memberKey: dee.publicKey, blob: blob))))
        #expect(announced.map(\.name) == ["member_joined", "speaker_added"])
        if case .memberJoined(let m)? = announced.first { #expect(m.name == "Dee") }
    }

    /// Removing a member moves the room to a new epoch once it is gone: a fresh secret sealed to
    /// everyone else, none to the removed member, and a new safety code.
    /// The largest `key_delivery` a keeper sends — a chunk of `secretsPerDelivery` sealed secrets,
    /// a moderator's grant as authority and a full list of revoked grants — fits the largest
    /// control padding bucket (16,382 bytes of message).
    @Test func aFullKeyDeliveryFitsTheLargestBucket() throws {
        let roomID = [UInt8](repeating: 1, count: 32), moderator = Ed25519SigningKey.generate()
        let revoked = try (0..<EpochStatement.maximumRevoked).map { _ in
            try Grant(roomID: roomID, memberKey: Ed25519SigningKey.generate().publicKey, role: .speaker, expiry: 1, signer: moderator).signature
        }
        let statement = try EpochStatement(roomID: roomID, epoch: EpochStatement.maximumEpoch, secret: RoomKeys.newEpochSecret(),
                                           recipients: [(moderator.publicKey, X25519KeyPair.generate().publicKey)], revoked: revoked,
                                           signer: moderator)
        let secrets = try (0..<RoomSession.secretsPerDelivery).map { _ in
            SealedEpochSecret(memberKey: Ed25519SigningKey.generate().publicKey,
                              sealedSecret: try SealedBox.seal(RoomKeys.newEpochSecret(), to: X25519KeyPair.generate().publicKey))
        }
        let grant = try Grant(roomID: roomID, memberKey: moderator.publicKey, role: .moderator, expiry: UInt64(UInt32.max), signer: .generate())
        let bytes = ControlMessage.keyDelivery(KeyDelivery(epoch: EpochStatement.maximumEpoch, secrets: secrets, statement: statement,
                                                           authority: grant, revoked: revoked)).encoded
        print("the largest key_delivery: \(bytes.count) bytes")
        #expect(bytes.count <= ControlPadding.buckets.last! - 2, "\(bytes.count) bytes")
    }

    @Test func removalRekeysToEveryoneElse() throws {
        let bob = Ed25519SigningKey.generate(), bobBox = X25519KeyPair.generate()
        var host = try hostWithListener(bob, box: bobBox)
        let eve = Ed25519SigningKey.generate()
        _ = host.receive(.memberJoined(MemberJoined(member: try entry(eve, box: .generate(), role: .listener, slot: 3, name: "Eve"))),
                         now: RoomFixture.now + 1)
        let codeBefore = host.safetyCode
        let order = sent(host.perform(.moderate(.remove, member: MemberID(key: eve.publicKey)), now: RoomFixture.now + 2))
        #expect(order == [.moderation(Moderation(.action(.remove), target: eve.publicKey))])
        let effects = host.receive(.memberLeft(MemberLeft(memberKey: eve.publicKey)), now: RoomFixture.now + 2)
        guard case .keyDelivery(let delivery)? = sent(effects).first else {
            Issue.record("no key delivery: \(effects)")
            return
        }
        #expect(delivery.epoch == 3)
        #expect(delivery.secrets.map(\.memberKey) == [bob.publicKey])
        let opened = try SealedBox.open(delivery.secrets[0].sealedSecret, with: bobBox)
        #expect(opened == host.epochs.secrets[3] && delivery.statement.commits(to: opened) && delivery.statement.holders == 2)
        #expect(host.safetyCode != codeBefore)
    }

    @Test func aModeratorLowersEveryHandOnlyWhenOneIsUp() throws {
        let bob = Ed25519SigningKey.generate()
        var host = try hostWithListener(bob, box: .generate())
        let none = host.perform(.moderate(.lowerEveryHand, member: nil), now: RoomFixture.now)
        #expect(sent(none).isEmpty)
        #expect(events(none) == [.error(code: "not_allowed", message: "nobody has a raised hand")])
        _ = host.receive(.handUpdate(HandUpdate(memberKey: bob.publicKey, raised: true)))
        #expect(sent(host.perform(.moderate(.lowerEveryHand, member: nil), now: RoomFixture.now))
                == [.moderation(Moderation(.action(.lowerEveryHand), target: nil))])
        let lowered = host.receive(.handUpdate(HandUpdate(memberKey: bob.publicKey, raised: false)))
        #expect(events(lowered).map(\.name) == ["hand_lowered"])
        #expect(host.roster[MemberID(key: bob.publicKey)]?.handRaised == false)
    }

    @Test func anInvitationReachesOnlyItsInviteeAndARaisedHandAcceptsIt() throws {
        var bob = RoomSession(identity: try RoomIdentity(link: room.listenLink, name: "Bob"))
        _ = bob.connected(handshakeHash: [UInt8](repeating: 2, count: 64))
        _ = bob.receive(.joined(Joined(memberIndex: 0, senderSlot: 2, role: .listener, epoch: 0, roster: [])), now: RoomFixture.now)
        let bobKey = bob.identity.memberKey
        var host = try hostWithListener(bobKey, box: bob.boxKey)
        let invite = sent(host.perform(.moderate(.inviteToStage, member: MemberID(key: bobKey.publicKey)), now: 1_800_000_000))
        guard case .blobSend(let blob)? = invite.first else {
            Issue.record("no blob: \(invite)")
            return
        }
        // Another listener cannot open the grant inside.
        let sealed = try MetadataBox.open(blob.blob, kind: .stageInvitation, metadataKey: room.keys.metadataKey)
        #expect((try? SealedBox.open(sealed, with: .generate())) == nil)
        let grant = try Grant(encoded: try SealedBox.open(sealed, with: bob.boxKey))
        #expect(grant.memberKey == bobKey.publicKey && grant.role == .speaker && grant.signerKey == room.hostKey.publicKey)
        #expect(grant.expiry == 1_800_000_000 + 24 * 3600)
        // Without a raised hand Bob is asked; with one, the grant goes to the relay at once.
        let delivery = BlobDelivery(memberKey: room.hostKey.publicKey, blob: blob.blob)
        var asked = bob
        #expect(events(asked.receive(.blobDelivery(delivery))).map(\.name) == ["invited_to_stage"])
        #expect(sent(asked.perform(.acceptInvite, now: 0)) == [.grantPresent(GrantPresent(grant: grant))])
        _ = bob.receive(.handUpdate(HandUpdate(memberKey: bobKey.publicKey, raised: true)))
        #expect(sent(bob.receive(.blobDelivery(delivery))) == [.grantPresent(GrantPresent(grant: grant))])
    }

    @Test func commandsAMemberMayNotGiveAreRefusedLocally() throws {
        var listener = RoomSession(identity: try RoomIdentity(link: room.listenLink, name: "Cy"))
        _ = listener.connected(handshakeHash: [UInt8](repeating: 1, count: 64))
        _ = listener.receive(.joined(Joined(memberIndex: 0, senderSlot: 2, role: .listener, epoch: 0, roster: [])), now: RoomFixture.now)
        for command in [RoomCommand.mute, .moderate(.endRoom, member: nil), .moderate(.lowerEveryHand, member: nil),
                        .moderate(.remove, member: MemberID(key: room.hostKey.publicKey))] {
            let effects = listener.perform(command, now: 0)
            #expect(sent(effects).isEmpty)
            #expect(events(effects).first?.name == "error")
        }
        #expect(sent(listener.perform(.raiseHand, now: 0)) == [.handRaise])
    }

    @Test func epochKeysKeepTheCurrentAndThePreviousOnly() throws {
        var keys = EpochKeys()
        let secrets = (0..<4).map { _ in RoomKeys.newEpochSecret() }
        func install(_ epoch: UInt64) throws -> Bool {
            let statement = try EpochStatement(roomID: room.keys.roomID, epoch: epoch, secret: secrets[Int(epoch)], recipients: [],
                                               signer: room.hostKey)
            return keys.install(epoch: epoch, secret: secrets[Int(epoch)], statement: statement)
        }
        _ = try install(0)
        _ = try install(1)
        #expect(keys.current == 1 && Set(keys.secrets.keys) == [0, 1] && Set(keys.statements.keys) == [0, 1])
        _ = try install(3)
        #expect(keys.current == 3 && Set(keys.secrets.keys) == [3])
        let oldComesBack = try install(1)
        #expect(!oldComesBack, "an old epoch does not come back")
        let previousArrives = try install(2)
        #expect(previousArrives && keys.current == 3 && Set(keys.secrets.keys) == [2, 3])
    }

    @Test func profileCardsCutLongTextAtACharacterAndOpenOnlyWithTheRoomKeyAsTheirMembers() throws {
        let card = ProfileCard(name: String(repeating: "ル", count: 30), title: "t")
        #expect(card.name!.utf8.count == 63, "21 three-byte characters fit in 64 bytes")
        let ana = Ed25519SigningKey.generate()
        let blob = try card.sealed(metadataKey: room.keys.metadataKey, roomID: room.keys.roomID, signer: ana)
        #expect(try ProfileCard.open(blob, metadataKey: room.keys.metadataKey, roomID: room.keys.roomID, memberKey: ana.publicKey) == card)
        let otherRoom = RoomKeys.generate(hostKey: Ed25519SigningKey.generate().publicKey)
        #expect((try? ProfileCard.open(blob, metadataKey: otherRoom.metadataKey, roomID: room.keys.roomID, memberKey: ana.publicKey)) == nil)
        // Ana's card shown as someone else's, or as hers in another room, does not verify.
        #expect(throws: CryptoError.badSignature) {
            try ProfileCard.open(blob, metadataKey: room.keys.metadataKey, roomID: room.keys.roomID, memberKey: Ed25519SigningKey.generate().publicKey)
        }
        #expect(throws: CryptoError.badSignature) {
            try ProfileCard.open(blob, metadataKey: room.keys.metadataKey, roomID: otherRoom.roomID, memberKey: ana.publicKey)
        }
    }

    /// A sealed profile is as long for "Al" as for a 64-byte name: the relay learns no name's length.
    @Test func profilesArePaddedToOneSize() throws {
        let key = room.keys.metadataKey, roomID = room.keys.roomID, signer = Ed25519SigningKey.generate()
        func sealed(_ card: ProfileCard) throws -> [UInt8] { try card.sealed(metadataKey: key, roomID: roomID, signer: signer) }
        let short = try sealed(ProfileCard(name: "Al"))
        let long = try sealed(ProfileCard(name: String(repeating: "x", count: 64), listed: true))
        let none = try sealed(ProfileCard(name: nil))
        #expect(Set([short.count, long.count, none.count]).count == 1)
        #expect(short.count == 24 + ProfileCard.paddedBytes + 16)
        let titled = [try sealed(ProfileCard(name: "A", title: "T")),
                      try sealed(ProfileCard(name: String(repeating: "n", count: 64), title: String(repeating: "t", count: 200)))]
        #expect(titled.map(\.count) == [24 + ProfileCard.paddedBytesWithTitle + 16, 24 + ProfileCard.paddedBytesWithTitle + 16])
        #expect(try ProfileCard.open(short, metadataKey: key, roomID: roomID, memberKey: signer.publicKey) == ProfileCard(name: "Al"))
    }
}
