import Foundation
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import Testing

/// Chat and reactions between real sessions, the test playing the relay, honest or not: messages
/// are sealed and signed, the relay's word for who sent one is checked against the signature,
/// replays show nothing twice, deletions count only when a moderator the host appointed signed
/// them, and who may write is the host's signed setting.
@Suite struct RoomChatTests {
    let fixture: RoomFixture
    var room: HostedRoom { fixture.room }
    let now = RoomFixture.now

    init() throws { fixture = try RoomFixture() }

    /// The blob a session's effects send.
    func blob(_ effects: [RoomSession.Effect]) throws -> [UInt8] {
        let blobs = sent(effects).compactMap { if case .blobSend(let b) = $0 { b.blob } else { nil } }
        return try #require(blobs.last, "no blob in \(effects)")
    }

    func chats(_ effects: [RoomSession.Effect]) -> [ChatEvent] {
        events(effects).compactMap { if case .chat(let c) = $0 { c } else { nil } }
    }

    @Test func aMessageReachesTheRoomSealedSignedAndOnce() throws {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        let said = host.perform(.chat(.say("Hello, 世界 👋")), now: now)
        guard case .message(let mine)? = chats(said).first else { Issue.record("no own message event"); return }
        #expect(mine.text == "Hello, 世界 👋" && mine.from?.id == MemberID(key: room.hostKey.publicKey))
        let sealed = try blob(said)
        #expect(!HeadlessFaceBytes.contains(sealed, Array("Hello".utf8)), "the relay reads nothing")

        let heard = bob.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: sealed)), now: now + 1)
        guard case .message(let line)? = chats(heard).first else { Issue.record("Bob heard nothing: \(heard)"); return }
        #expect(line.id == mine.id && line.text == mine.text && line.from?.name == "Ana")
        #expect(chats(bob.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: sealed)), now: now + 2)).isEmpty,
                "a replay shows nothing")
    }

    /// A relay naming another member as sender (to make Bob's words the host's) is caught by the
    /// signature; a listener's message to another listener comes unnamed; an old message replayed
    /// after ten minutes is dropped.
    @Test func theRelaysWordForTheSenderIsChecked() throws {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        var cy = try fixture.member("Cy", slot: 3, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        fixture.admit(&cy, slot: 3, into: &host)
        let bobs = try blob(bob.perform(.chat(.say("I am Bob")), now: now))
        let forged = cy.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: bobs)), now: now)
        #expect(refusals(forged) == ["chat"] && chats(forged).isEmpty)
        let unnamed = cy.receive(.blobDelivery(BlobDelivery(memberKey: nil, blob: bobs)), now: now)
        guard case .message(let line)? = chats(unnamed).first else { Issue.record("\(unnamed)"); return }
        #expect(line.from == nil && line.text == "I am Bob")
        let toHost = host.receive(.blobDelivery(BlobDelivery(memberKey: bob.identity.memberKey.publicKey, blob: bobs)), now: now)
        guard case .message(let named)? = chats(toHost).first else { Issue.record("\(toHost)"); return }
        #expect(named.from?.name == "Bob", "the host knows listeners, and checks Bob signed it")
        var dee = try fixture.member("Dee", slot: 4, host: host)
        let late = dee.receive(.blobDelivery(BlobDelivery(memberKey: nil, blob: bobs)), now: now + 601)
        #expect(chats(late).isEmpty, "a replay kept ten minutes is stale")
    }

    /// The host and an appointed moderator delete for everyone; a member with a grant it signed
    /// itself (the relay calling it a moderator) cannot; a deleted message never comes back.
    @Test func onlyTheHostOrItsModeratorsDelete() throws {
        var host = fixture.host()
        var appointed = try RoomIdentity(link: room.listenLink, name: "Mo")
        appointed.grant = try Grant(roomID: room.keys.roomID, memberKey: appointed.memberKey.publicKey, role: .moderator,
                                    expiry: now + 3600, signer: room.hostKey)
        var moderator = RoomSession(identity: appointed)
        _ = moderator.connected(handshakeHash: [UInt8](repeating: 3, count: 64))
        _ = moderator.receive(.joined(Joined(memberIndex: 1, senderSlot: 3, role: .moderator, epoch: 0,
                                             roster: [fixture.hostEntry(of: host)])), now: now)
        var bob = try fixture.member("Bob", slot: 2, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        let said = bob.perform(.chat(.say("rude words")), now: now)
        let id = try #require(chats(said).first.flatMap { if case .message(let l) = $0 { l.id } else { nil } })

        // A forger: a listener whose "moderator grant" it signed itself.
        var forgerIdentity = try RoomIdentity(link: room.listenLink, name: "Eve")
        forgerIdentity.grant = try Grant(roomID: room.keys.roomID, memberKey: forgerIdentity.memberKey.publicKey, role: .moderator,
                                         expiry: now + 3600, signer: forgerIdentity.memberKey)
        let idBytes = try #require(Self.bytes(hex: id))
        let forgedRetract = [2] + idBytes + forgerIdentity.memberKey.publicKey + [1] + forgerIdentity.grant!.encoded
            + forgerIdentity.memberKey.sign(Array("parlor/1 chat retract".utf8) + room.keys.roomID + idBytes)
        let forgedBlob = try MetadataBox.seal(forgedRetract, kind: .chat, metadataKey: room.keys.metadataKey)
        let refused = bob.receive(.blobDelivery(BlobDelivery(memberKey: forgerIdentity.memberKey.publicKey, blob: forgedBlob)), now: now + 1)
        #expect(refusals(refused) == ["chat"] && chats(refused).isEmpty, "a self-signed grant deletes nothing")

        // A listener may not delete at all.
        #expect(events(bob.perform(.chat(.delete(id)), now: now + 1)).map(\.name) == ["error"])
        let deletion = moderator.perform(.chat(.delete(id)), now: now + 2)
        #expect(chats(deletion) == [.deleted(id: id, by: moderator.me!.info)])
        let gone = bob.receive(.blobDelivery(BlobDelivery(memberKey: nil, blob: try blob(deletion))), now: now + 2)
        #expect(chats(gone).map { if case .deleted(let i, _) = $0 { i } else { "" } } == [id])
        // The host's own deletion carries no grant and is checked against the host key.
        let hostDeletes = try blob(host.perform(.chat(.delete(id)), now: now + 3))
        #expect(refusals(bob.receive(.blobDelivery(BlobDelivery(memberKey: nil, blob: hostDeletes)), now: now + 3)).isEmpty)
        // The deleted message replayed to the host afterwards shows nothing.
        _ = host.receive(.blobDelivery(BlobDelivery(memberKey: nil, blob: try blob(deletion))), now: now + 4)
        #expect(chats(host.receive(.blobDelivery(BlobDelivery(memberKey: bob.identity.memberKey.publicKey, blob: try blob(said))), now: now + 4)).isEmpty)
    }

    /// Who may write is in the host's signed charter: the host sets it, everyone learns it from a
    /// blob carrying the charter, a charter the host did not sign is refused, and messages the
    /// setting forbids are neither sent nor shown.
    @Test func theHostsSettingDecidesWhoWrites() throws {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        let before = try blob(bob.perform(.chat(.say("listener says hi")), now: now))
        let set = host.perform(.chat(.setPolicy(.stage)), now: now + 1)
        #expect(sent(set).contains { if case .charterUpdate(let c) = $0 { c.charter.chatPolicy == .stage } else { false } })
        #expect(chats(set) == [.policy(.stage)])
        let learned = bob.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: try blob(set))), now: now + 1)
        #expect(chats(learned) == [.policy(.stage)] && bob.chatPolicy == .stage && !bob.maySay)
        #expect(events(bob.perform(.chat(.say("again")), now: now + 2)).map(\.name) == ["error"], "the face hears no at once")
        #expect(chats(host.receive(.blobDelivery(BlobDelivery(memberKey: bob.identity.memberKey.publicKey, blob: before)), now: now + 2)).isEmpty,
                "a listener's message is not shown while only the stage may write")
        // A moderator gets the new charter from the relay too (charter_update) and is told once.
        var appointed = try RoomIdentity(link: room.listenLink, name: "Mo")
        appointed.grant = try Grant(roomID: room.keys.roomID, memberKey: appointed.memberKey.publicKey, role: .moderator,
                                    expiry: now + 3600, signer: room.hostKey)
        var moderator = RoomSession(identity: appointed)
        _ = moderator.connected(handshakeHash: [UInt8](repeating: 3, count: 64))
        _ = moderator.receive(.joined(Joined(memberIndex: 1, senderSlot: 3, role: .moderator, epoch: 0,
                                             roster: [fixture.hostEntry(of: host)])), now: now)
        let update = try #require(sent(set).compactMap { if case .charterUpdate(let c) = $0 { c } else { nil } }.first)
        #expect(chats(moderator.receive(.charterUpdate(update), now: now + 1)) == [.policy(.stage)])
        #expect(chats(moderator.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: try blob(set))), now: now + 1)).isEmpty)
        // A charter signed by anyone but the host changes nothing.
        let forger = Ed25519SigningKey.generate()
        let forged = try RoomCharter(roomID: room.keys.roomID, version: 9, linkKeys: [], chatPolicy: .everyone, host: forger)
        let forgedBlob = try MetadataBox.seal([3] + forged.encoded, kind: .chat, metadataKey: room.keys.metadataKey)
        let refused = bob.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: forgedBlob)), now: now + 3)
        #expect(refusals(refused) == ["charter"] && bob.chatPolicy == .stage)
        // The charter's wire form: the setting round-trips, an old-form charter means everyone.
        let charter = try #require(host.identity.hosted?.charter)
        #expect(try RoomCharter(encoded: charter.encoded) == charter)
        #expect(try RoomCharter(encoded: room.charter.encoded).chatPolicy == .everyone)
        #expect(throws: CryptoError.self) { try RoomCharter(encoded: Array(room.charter.encoded.dropLast(64)) + [0] + room.charter.signature) }
    }

    @Test func reactionsAreSignedFreshAndRateLimited() throws {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        fixture.admit(&bob, slot: 2, into: &host)
        let clap = try blob(host.perform(.chat(.react(.clap)), now: now))
        #expect(chats(bob.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: clap)), now: now))
                    == [.reaction(from: host.me!.info, .clap)])
        #expect(chats(bob.receive(.blobDelivery(BlobDelivery(memberKey: room.hostKey.publicKey, blob: clap)), now: now + 121)).isEmpty,
                "a reaction replayed two minutes later is stale")
        #expect(refusals(bob.receive(.blobDelivery(BlobDelivery(memberKey: bob.identity.memberKey.publicKey, blob: clap)), now: now)) == ["reaction"])
        // The relay's blob rate, 5 a second with bursts of 20: the 21st at once is refused here.
        var results: [String] = []
        for _ in 0..<21 { results.append(events(host.perform(.chat(.react(.heart)), now: now + 10)).map(\.name).first ?? "") }
        #expect(results.prefix(20).allSatisfy { $0 == "reaction" } && results.last == "error")
        #expect(events(host.perform(.chat(.react(.heart)), now: now + 11)).map(\.name) == ["reaction"], "a second later there is room again")
    }

    static func bytes(hex text: String) -> [UInt8]? {
        stride(from: 0, to: text.count, by: 2).map { i in
            let start = text.index(text.startIndex, offsetBy: i)
            return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16)
        }.reduce([UInt8]()) { partial, byte in byte.map { partial + [$0] } ?? partial }
    }
}

/// Byte search for the privacy checks here.
enum HeadlessFaceBytes {
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
    }
}
