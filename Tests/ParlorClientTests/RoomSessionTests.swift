import Foundation
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import Testing

/// `RoomSession` without a network: relay messages in, effects out.
@Suite struct RoomSessionTests {
    let room: HostedRoom
    let relayKey = X25519KeyPair.generate().publicKey

    init() throws {
        room = try HostedRoom(relay: RelayAddress(host: .ipv4("127.0.0.1"), port: 7700), relayPublicKey: relayKey, now: 1_800_000_000)
    }

    func entry(_ key: Ed25519SigningKey, box: X25519KeyPair, role: Role, slot: UInt16, name: String?) throws -> MemberEntry {
        MemberEntry(memberKey: key.publicKey, boxKey: box.publicKey, role: role, senderSlot: slot,
                    profile: try name.map { try ProfileCard(name: $0).sealed(metadataKey: room.keys.metadataKey) })
    }

    func events(_ effects: [RoomSession.Effect]) -> [RoomEvent] {
        effects.compactMap { if case .event(let e) = $0 { e } else { nil } }
    }

    func sent(_ effects: [RoomSession.Effect]) -> [ControlMessage] {
        effects.compactMap { if case .send(let m) = $0 { m } else { nil } }
    }

    /// A host in its room with one listener, `bob`.
    func hostWithListener(_ bob: Ed25519SigningKey, box: X25519KeyPair) throws -> RoomSession {
        var host = RoomSession(identity: RoomIdentity(hosting: room, name: "Ana", title: "Tea", listed: false))
        let hello = host.connected(handshakeHash: [UInt8](repeating: 7, count: 64))
        #expect(sent(hello).map(\.type) == [10, 11], "create_room, then join")
        _ = host.receive(.joined(Joined(memberIndex: 0, senderSlot: 1, role: .host, epoch: 0, roster: [])))
        _ = host.receive(.memberJoined(MemberJoined(member: try entry(bob, box: box, role: .listener, slot: 2, name: "Bob"))))
        return host
    }

    @Test func joiningGivesTheTitleNamesAndASafetyCode() throws {
        var listener = RoomSession(identity: try RoomIdentity(link: room.listenLink, name: "Cy"))
        _ = listener.connected(handshakeHash: [UInt8](repeating: 1, count: 64))
        var hostCard = ProfileCard(name: "Ana", title: "Tea")
        hostCard.listed = false
        let hostEntry = MemberEntry(memberKey: room.hostKey.publicKey, boxKey: X25519KeyPair.generate().publicKey, role: .host,
                                    senderSlot: 1, profile: try hostCard.sealed(metadataKey: room.keys.metadataKey))
        let effects = listener.receive(.joined(Joined(memberIndex: 1, senderSlot: 2, role: .listener, epoch: 0, roster: [hostEntry])))
        guard case let .joined(title, you, members, code)? = events(effects).first else {
            Issue.record("no joined event: \(effects)")
            return
        }
        #expect(title == "Tea")
        #expect(you.name == "Cy" && you.role == .listener)
        #expect(members == [MemberInfo(id: MemberID(key: room.hostKey.publicKey), name: "Ana", role: .host)])
        #expect(code == (try SafetyCode.compute(roomID: room.keys.roomID, relayPublicKey: relayKey, epochSecret: room.keys.epochZeroSecret)))
    }

    @Test func aNewcomerIsAnnouncedWithTheNameFromItsProfile() throws {
        var host = try hostWithListener(.generate(), box: .generate())
        let dee = Ed25519SigningKey.generate()
        let bare = try entry(dee, box: .generate(), role: .speaker, slot: 3, name: nil)
        #expect(events(host.receive(.memberJoined(MemberJoined(member: bare)))).isEmpty, "waits for the profile")
        let blob = try ProfileCard(name: "Dee").sealed(metadataKey: room.keys.metadataKey)
        let announced = events(host.receive(.profileDelivery(Profile(memberKey: dee.publicKey, blob: blob))))
        #expect(announced.map(\.name) == ["member_joined", "speaker_added"])
        if case .memberJoined(let m)? = announced.first { #expect(m.name == "Dee") }
    }

    /// Removing a member moves the room to epoch 1 once it is gone: a fresh secret sealed to
    /// everyone else, none to the removed member, and a new safety code.
    @Test func removalRekeysToEveryoneElse() throws {
        let bob = Ed25519SigningKey.generate(), bobBox = X25519KeyPair.generate()
        var host = try hostWithListener(bob, box: bobBox)
        let eve = Ed25519SigningKey.generate()
        _ = host.receive(.memberJoined(MemberJoined(member: try entry(eve, box: .generate(), role: .listener, slot: 3, name: "Eve"))))
        let codeBefore = host.safetyCode
        let order = sent(host.perform(.remove(MemberID(key: eve.publicKey)), now: 1_800_000_000))
        #expect(order == [.moderation(Moderation(action: .remove, target: eve.publicKey))])
        let effects = host.receive(.memberLeft(MemberLeft(memberKey: eve.publicKey)))
        guard case .keyDelivery(let delivery)? = sent(effects).first else {
            Issue.record("no key delivery: \(effects)")
            return
        }
        #expect(delivery.epoch == 1)
        #expect(delivery.secrets.map(\.memberKey) == [bob.publicKey])
        let opened = try SealedBox.open(delivery.secrets[0].sealedSecret, with: bobBox)
        #expect(opened == host.epochs.secrets[1])
        #expect(host.safetyCode != codeBefore)
        // A later newcomer gets the current epoch from the host, sealed to it alone.
        let fay = Ed25519SigningKey.generate()
        let later = sent(host.receive(.memberJoined(MemberJoined(member: try entry(fay, box: .generate(), role: .listener, slot: 4, name: "Fay")))))
        #expect(later.count == 1)
        if case .keyDelivery(let d)? = later.first { #expect(d.epoch == 1 && d.secrets.map(\.memberKey) == [fay.publicKey]) }
    }

    @Test func anInvitationReachesOnlyItsInviteeAndARaisedHandAcceptsIt() throws {
        var bob = RoomSession(identity: try RoomIdentity(link: room.listenLink, name: "Bob"))
        _ = bob.connected(handshakeHash: [UInt8](repeating: 2, count: 64))
        _ = bob.receive(.joined(Joined(memberIndex: 0, senderSlot: 2, role: .listener, epoch: 0, roster: [])))
        let bobKey = bob.identity.memberKey
        var host = try hostWithListener(bobKey, box: bob.boxKey)
        let invite = sent(host.perform(.inviteToStage(MemberID(key: bobKey.publicKey)), now: 1_800_000_000))
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
        _ = listener.receive(.joined(Joined(memberIndex: 0, senderSlot: 2, role: .listener, epoch: 0, roster: [])))
        for command in [RoomCommand.mute, .endRoom, .remove(MemberID(key: room.hostKey.publicKey))] {
            let effects = listener.perform(command, now: 0)
            #expect(sent(effects).isEmpty)
            #expect(events(effects).first?.name == "error")
        }
        #expect(sent(listener.perform(.raiseHand, now: 0)) == [.handRaise])
    }

    @Test func epochKeysKeepTheCurrentAndThePreviousOnly() {
        var keys = EpochKeys()
        let secrets = (0..<4).map { _ in RoomKeys.newEpochSecret() }
        keys.install(epoch: 0, secret: secrets[0])
        keys.install(epoch: 1, secret: secrets[1])
        #expect(keys.current == 1 && Set(keys.secrets.keys) == [0, 1])
        keys.install(epoch: 3, secret: secrets[3])
        #expect(keys.current == 3 && Set(keys.secrets.keys) == [3])
        let oldComesBack = keys.install(epoch: 1, secret: secrets[1])
        #expect(!oldComesBack, "an old epoch does not come back")
        let previousArrives = keys.install(epoch: 2, secret: secrets[2])
        #expect(previousArrives && keys.current == 3 && Set(keys.secrets.keys) == [2, 3])
    }

    @Test func profileCardsCutLongTextAtACharacterAndOpenOnlyWithTheRoomKey() throws {
        let card = ProfileCard(name: String(repeating: "ル", count: 30), title: "t")
        #expect(card.name!.utf8.count == 63, "21 three-byte characters fit in 64 bytes")
        let blob = try card.sealed(metadataKey: room.keys.metadataKey)
        #expect(try ProfileCard.open(blob, metadataKey: room.keys.metadataKey) == card)
        #expect((try? ProfileCard.open(blob, metadataKey: RoomKeys.generate().metadataKey)) == nil)
    }
}
