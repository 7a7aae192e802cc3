import ParlorClient
import ParlorCrypto
import ParlorProtocol
import Testing

/// Hostile members (docs/PROTOCOL.md §11): a banned listener coming back with the link it kept, a
/// newcomer after what was said before it came, two people sharing one speak link.
@Suite struct RoomMembershipTests {
    let fixture: RoomFixture
    var room: HostedRoom { fixture.room }
    let now = RoomFixture.now

    init() throws { fixture = try RoomFixture() }

    @Test func aBanReplacesTheLinkAndWhoeverStillHoldsItGetsNoKeys() throws {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        var cy = try fixture.member("Cy", slot: 3, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        fixture.admit(&cy, slot: 3, into: &host, now: now + 2)
        let oldListen = room.listenLink

        let ban = host.perform(.moderate(.ban, member: bob.identity.memberID), now: now + 3)
        #expect(sent(ban).first == .moderation(Moderation(.action(.ban), target: bob.identity.memberKey.publicKey)))
        guard case .charterUpdate(let update)? = sent(ban).dropFirst().first,
              case let .linksChanged(listen, speak)? = events(ban).last else {
            Issue.record("no new charter or links: \(ban)")
            return
        }
        #expect(update.charter.version == 2 && !update.charter.admits(linkKey: oldListen.admission.linkKey.publicKey))
        let newListen = try InviteLink.parse(listen)
        #expect(listen != oldListen.text && speak == room.speakLink.text, "only the banned member's link is replaced")
        #expect(update.charter.admits(linkKey: newListen.admission.linkKey.publicKey))
        fixture.deliver(host.receive(.memberLeft(MemberLeft(memberKey: bob.identity.memberKey.publicKey)), now: now + 3), to: &cy)

        // Bob comes back with the old link and a fresh identity, and a relay lets him in.
        var again = try fixture.member("Not Bob", link: oldListen, slot: 4, host: host)
        let refused = fixture.admit(&again, slot: 4, into: &host, now: now + 10)
        fixture.deliver(refused, to: &cy)
        #expect(refusals(refused) == ["member"])
        #expect(sent(refused).compactMap { if case .keyDelivery(let d) = $0 { d } else { nil } }
            .allSatisfy { !$0.secrets.map(\.memberKey).contains(again.identity.memberKey.publicKey) })
        #expect(again.epochs.current == nil, "he hears nothing")
        // Cy, admitted by the old link before the ban, keeps the room's keys; the new link works.
        #expect(cy.epochs.current == host.epochs.current && cy.epochs.currentSecret == host.epochs.currentSecret)
        var dee = try fixture.member("Dee", link: newListen, slot: 5, host: host)
        fixture.deliver(fixture.admit(&dee, slot: 5, into: &host, now: now + 20), to: &cy)
        #expect(dee.epochs.current == host.epochs.current && dee.epochs.currentSecret == host.epochs.currentSecret)
        // Bob's own key is never sealed to again, whatever the relay announces.
        fixture.admit(&bob, slot: 6, into: &host, now: now + 30)
        #expect(bob.epochs.current != host.epochs.current)
    }

    /// Only the host can sign links, so a moderator's ban reaches it sealed to its box key, and the
    /// host replaces the banned member's link as if it had banned them itself — on the strength of
    /// the moderator's signature and its grant from the host, not of what the relay says.
    @Test func aModeratorsBanReplacesTheLinkThroughTheHost() throws {
        var host = fixture.host()
        var appointed = try RoomIdentity(link: room.listenLink, name: "Mo")
        appointed.grant = try Grant(roomID: room.keys.roomID, memberKey: appointed.memberKey.publicKey, role: .moderator,
                                    expiry: now + 3600, signer: room.hostKey)
        var moderator = RoomSession(identity: appointed)
        _ = moderator.connected(handshakeHash: [UInt8](repeating: 3, count: 64))
        let eve = try fixture.guest("Eve", slot: 4)
        _ = moderator.receive(.joined(Joined(memberIndex: 1, senderSlot: 3, role: .moderator, epoch: 0,
                                             roster: [fixture.hostEntry(of: host), eve.entry])), now: now)
        fixture.admit(&moderator, slot: 3, into: &host)
        _ = host.receive(.memberJoined(MemberJoined(member: eve.entry)), now: now + 1)

        let ban = sent(moderator.perform(.moderate(.ban, member: eve.id), now: now + 2))
        guard ban.count == 2, case .blobSend(let notice) = ban[1] else {
            Issue.record("no ban notice: \(ban)")
            return
        }
        // A member (with the relay's help, stamping a moderator as sender) that the host never
        // appointed: a grant it signed itself.
        let forger = Ed25519SigningKey.generate()
        let selfGrant = try Grant(roomID: room.keys.roomID, memberKey: forger.publicKey, role: .moderator, expiry: now + 3600, signer: forger)
        let claim = eve.key.publicKey + room.listenLink.admission.linkKey.publicKey
        let forged = claim + selfGrant.encoded + forger.sign(Array("parlor/1 ban notice".utf8) + room.keys.roomID + claim)
        let forgedBlob = try MetadataBox.seal(try SealedBox.seal(forged, to: host.boxKey.publicKey), kind: .banNotice,
                                              metadataKey: room.keys.metadataKey)
        let stranger = host.receive(.blobDelivery(BlobDelivery(memberKey: moderator.identity.memberKey.publicKey, blob: forgedBlob)), now: now + 2)
        #expect(refusals(stranger) == ["ban_notice"], "only a moderator the host appointed counts")
        let taken = host.receive(.blobDelivery(BlobDelivery(memberKey: nil, blob: notice.blob)), now: now + 2)
        #expect(sent(taken).contains { if case .charterUpdate(let c) = $0 { c.charter.version == 2 } else { false } })
        #expect(events(taken).contains { $0.name == "links_changed" })
        // Nobody else can read the notice: it is sealed to the host's box key inside the room's metadata key.
        let opened = try MetadataBox.open(notice.blob, kind: .banNotice, metadataKey: room.keys.metadataKey)
        #expect((try? SealedBox.open(opened, with: .generate())) == nil)
    }

    /// Epoch secrets are random and sealed; none derives from the link. A newcomer gets the epoch
    /// made for its arrival, never the one before it.
    @Test func aNewcomerCannotOpenWhatWasSaidBeforeItCame() throws {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        let before = try #require(host.epochs.currentSecret)
        let linkDerived = [room.keys.roomSecret, room.keys.metadataKey, room.keys.roomID]
        #expect(!linkDerived.contains(before), "the link alone opens no epoch")
        var cy = try fixture.member("Cy", slot: 3, host: host)
        let moved = fixture.admit(&cy, slot: 3, into: &host, now: now + 2)
        let deliveries = sent(moved).compactMap { if case .keyDelivery(let d) = $0 { d } else { nil } }
        #expect(deliveries.map(\.epoch) == [2])
        #expect(cy.epochs.current == 2 && !cy.epochs.secrets.values.contains(before))
        #expect(bob.epochs.current == 1, "Bob gets epoch 2 as well") // delivered below
        fixture.deliver(moved, to: &bob)
        #expect(bob.epochs.currentSecret == cy.epochs.currentSecret)
    }

    /// Joins within one interval share one rekey: the keeper's cost follows time, not the crowd.
    @Test func joinsInOneSecondShareOneRekey() throws {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        var cy = try fixture.member("Cy", slot: 3, host: host)
        let waiting = fixture.admit(&cy, slot: 3, into: &host)
        #expect(sent(waiting).isEmpty && cy.epochs.current == nil, "Cy waits for the next second")
        let tick = host.tick(now: now + 1)
        fixture.deliver(tick, to: &cy)
        #expect(cy.epochs.current == 2 && host.tick(now: now + 2).isEmpty)
        #expect(RoomSession.rekeyInterval(members: 5_000) == 10)
    }

    @Test func twoHoldersOfOneSpeakLinkAreTwoMembers() throws {
        let ada = RoomSession(identity: try RoomIdentity(link: room.speakLink, name: "Ada"))
        let bea = RoomSession(identity: try RoomIdentity(link: room.speakLink, name: "Bea"))
        #expect(ada.identity.memberKey.publicKey != bea.identity.memberKey.publicKey)
        for session in [ada, bea] {
            let entry = fixture.entry(joining: session, role: .speaker, slot: 2)
            #expect(try entry.credential.verify(roomID: room.keys.roomID, hostKey: room.hostKey.publicKey, memberKey: entry.memberKey,
                                                boxKey: entry.boxKey, now: now) == .speaker)
        }
    }
}
