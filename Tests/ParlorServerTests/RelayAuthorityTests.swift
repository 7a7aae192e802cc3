import Foundation
import ParlorBench
import ParlorCrypto
import ParlorProtocol
import Testing
@testable import ParlorServer

/// The room authority as the relay enforces it (issue #14): only the key a room id names creates
/// the room, only credentials the host's links sign get in, the charter decides which links still
/// admit newcomers, and moderation holds across reconnects.
@Suite(.serialized) struct RelayAuthorityTests {
    let room = try! BenchRoom()
    let relayKey = X25519KeyPair.generate()
    var now: UInt64 { UInt64(Date().timeIntervalSince1970) }

    func start() async throws -> RelayServer {
        try await RelayServer.startForTests(key: relayKey)
    }

    func client(_ relay: RelayServer, member: Ed25519SigningKey = .generate()) throws -> RelaySocketSession {
        try RelaySocketSession(port: UInt16(relay.address.port!), relayKey: relay.publicKey, member: member)
    }

    func host(_ relay: RelayServer, room: BenchRoom? = nil) throws -> RelaySocketSession {
        let room = room ?? self.room
        let host = try client(relay, member: room.host)
        #expect(try host.create(room: room).role == .host)
        return host
    }

    /// A join of `session` carrying `credential` as it is, with a valid proof for the session.
    func join(_ session: RelaySocketSession, credential: MemberCredential, roomID: [UInt8]? = nil) -> Join {
        let roomID = roomID ?? room.roomID
        let proof = session.member.sign(Join.proofMessage(handshakeHash: session.transport.handshakeHash, roomID: roomID,
                                                          memberKey: session.memberKey, boxKey: session.boxKey))
        return Join(roomID: roomID, memberKey: session.memberKey, boxKey: session.boxKey, proof: proof, credential: credential)
    }

    func refusedCreate(_ session: RelaySocketSession, _ create: CreateRoom) throws -> ErrorMessage.Code? {
        try session.send(.createRoom(create))
        return ErrorMessage.Code(rawValue: try session.receiveError().code)
    }

    @Test func anImpostorCannotCreateTheRoomAndTheRealHostRecreatesItAfterARestart() async throws {
        var relay = try await start()
        let impostorKey = Ed25519SigningKey.generate()
        let impostor = try client(relay, member: impostorKey)
        // The real room's id under the impostor's own key, with a charter the impostor signed.
        let impostorCharter = try RoomCharter(roomID: room.roomID, version: 9, linkKeys: [], host: impostorKey)
        let before = relay.metrics.value(.unauthenticated)
        #expect(try refusedCreate(impostor, CreateRoom(roomID: room.roomID, hostKey: impostorKey.publicKey, charter: impostorCharter))
                == .roomExists)
        // The room id its key names, but a charter signed by someone else.
        let ownRoom = try RoomKeys.roomID(hostKey: impostorKey.publicKey)
        let foreignCharter = try RoomCharter(roomID: ownRoom, version: 1, linkKeys: [], host: .generate())
        #expect(try refusedCreate(impostor, CreateRoom(roomID: ownRoom, hostKey: impostorKey.publicKey, charter: foreignCharter))
                == .badGrant)
        #expect(relay.metrics.value(.unauthenticated) == before + 2)
        // The impostor never got the room: the real host creates it.
        let first = try host(relay)
        let listener = try client(relay)
        #expect(try listener.join(room: room).role == .listener)
        _ = first
        await relay.stop()

        // A new relay process knows nothing: the impostor still cannot take the id, the host can.
        relay = try await start()
        let again = try client(relay, member: impostorKey)
        #expect(try refusedCreate(again, CreateRoom(roomID: room.roomID, hostKey: impostorKey.publicKey, charter: impostorCharter))
                == .roomExists)
        let host = try host(relay)
        #expect(try client(relay).join(room: room).role == .listener)
        _ = host
        await relay.stop()
    }

    @Test func forgedCredentialsAreRefusedAndCounted() async throws {
        let relay = try await start()
        let host = try host(relay)
        _ = host
        let member = try client(relay)
        let link = room.listenLink
        let before = relay.metrics.value(.unauthenticated)
        // A binding over another box key: the relay could otherwise slip its own box key in.
        let wrongBinding = MemberCredential(roomID: room.roomID, memberKey: member.member, boxKey: X25519KeyPair.generate().publicKey,
                                            link: (link.linkKey, link.grant))
        let wrongBindingJoin = join(member, credential: wrongBinding)
        #expect(try member.refusedJoin(wrongBindingJoin) == .badProof)
        // An admission signed by a key the host never granted, under a real link's grant.
        let stranger = Ed25519SigningKey.generate()
        let strangerAdmission = MemberCredential(roomID: room.roomID, memberKey: member.member, boxKey: member.boxKey,
                                                 link: (stranger, link.grant))
        #expect(try member.refusedJoin(join(member, credential: strangerAdmission)) == .badGrant)
        // A link whose grant someone other than the host signed.
        let foreign = try BenchRoom.link(roomID: room.roomID, host: .generate(), role: .speaker, expiry: now + 3600)
        let foreignLink = MemberCredential(roomID: room.roomID, memberKey: member.member, boxKey: member.boxKey,
                                           link: (foreign.linkKey, foreign.grant))
        #expect(try member.refusedJoin(join(member, credential: foreignLink)) == .badGrant)
        // No link at all (a host-style credential from a member that is not the host).
        let another = try client(relay)   // joins are rate-limited per session: 3 at once
        #expect(try another.refusedJoin(join(another, credential: MemberCredential(roomID: room.roomID, memberKey: another.member,
                                                                                   boxKey: another.boxKey, link: nil))) == .badGrant)
        #expect(relay.metrics.value(.unauthenticated) == before + 4)
        // The rate limit is per session: a fresh session with a real credential gets in.
        #expect(try client(relay).join(room: room).role == .listener)
        await relay.stop()
    }

    @Test func aReplacedLinkAdmitsNoNewcomerButAMemberAdmittedBeforeMayReturn() async throws {
        let relay = try await start()
        let host = try host(relay)
        let earlyKey = Ed25519SigningKey.generate()
        var early: RelaySocketSession? = try client(relay, member: earlyKey)
        _ = try early!.join(room: room)
        early = nil   // its connection closes: it left

        // The host replaces the listen link (as after a ban).
        let replaced = try room.replacingListenLink()
        let moderatorKey = Ed25519SigningKey.generate()
        let moderator = try client(relay, member: moderatorKey)
        let moderatorGrant = try Grant(roomID: room.roomID, memberKey: moderatorKey.publicKey, role: .moderator, expiry: now + 3600,
                                       signer: room.host)
        #expect(try moderator.join(room: room, as: .speaker, grant: moderatorGrant).role == .moderator)
        try host.send(.charterUpdate(CharterUpdate(charter: replaced.charter)))
        let forwarded = try moderator.receive { if case .charterUpdate(let update) = $0 { update } else { nil } }
        #expect(forwarded.charter == replaced.charter, "moderators get the new charter unchanged")

        // A fresh member with the old link: refused. With the new one: in, and told the new charter.
        let fresh = try client(relay)
        #expect(try fresh.refusedJoin(fresh.joinMessage(roomID: room.roomID, link: room.listenLink)) == .linkRevoked)
        let joined = try client(relay).join(room: replaced)
        #expect(joined.charter == replaced.charter)
        // The member admitted before comes back with its old link.
        #expect(try client(relay, member: earlyKey).join(room: room).role == .listener)

        // Only the host updates the charter, only with a newer version, only under its own key.
        try moderator.send(.charterUpdate(CharterUpdate(charter: try replaced.replacingListenLink().charter)))
        #expect(try moderator.receiveError().code == ErrorMessage.Code.notAllowed.rawValue)
        try host.send(.charterUpdate(CharterUpdate(charter: replaced.charter)))
        #expect(try host.receiveError().code == ErrorMessage.Code.notAllowed.rawValue)
        let forged = try RoomCharter(roomID: room.roomID, version: 99, linkKeys: [], host: .generate())
        try host.send(.charterUpdate(CharterUpdate(charter: forged)))
        #expect(try host.receiveError().code == ErrorMessage.Code.badGrant.rawValue)
        await relay.stop()
    }

    @Test func aHostReconnectingWithANewerCharterReplacesTheStoredOne() async throws {
        let relay = try await start()
        var host: RelaySocketSession? = try host(relay)
        let listener = try client(relay)
        _ = try listener.join(room: room)   // keeps the room open while the host is away
        host = nil
        let replaced = try room.replacingListenLink()
        _ = try self.host(relay, room: replaced)
        let fresh = try client(relay)
        #expect(try fresh.refusedJoin(fresh.joinMessage(roomID: room.roomID, link: room.listenLink)) == .linkRevoked)
        _ = host
        await relay.stop()
    }

    @Test func removalRevokesTheGrantAndAMovedMemberDoesNotGetItsLinksStageRoleBack() async throws {
        let relay = try await start()
        let host = try host(relay)
        // A listener the host puts on stage with a personal grant, then removes.
        let memberKey = Ed25519SigningKey.generate()
        let member = try client(relay, member: memberKey)
        let grant = try Grant(roomID: room.roomID, memberKey: memberKey.publicKey, role: .speaker, expiry: now + 3600, signer: room.host)
        #expect(try member.join(room: room, grant: grant).role == .speaker)
        try host.send(.moderation(Moderation(.action(.remove), target: memberKey.publicKey)))
        _ = try host.receive { if case .memberLeft(let left) = $0, left.memberKey == memberKey.publicKey { true } else { nil } }
        let back = try client(relay, member: memberKey)
        #expect(try back.refusedJoin(back.joinMessage(roomID: room.roomID, link: room.listenLink, grant: grant)) == .grantRevoked)
        #expect(try client(relay, member: memberKey).join(room: room).role == .listener)

        // A speak-link member moved to the audience comes back to the audience by the same link...
        let speakerKey = Ed25519SigningKey.generate()
        var speaker: RelaySocketSession? = try client(relay, member: speakerKey)
        #expect(try speaker!.join(room: room, as: .speaker).role == .speaker)
        try host.send(.moderation(Moderation(.action(.moveToAudience), target: speakerKey.publicKey)))
        _ = try speaker!.receive { if case .roleChanged(let change) = $0, change.role == .listener { true } else { nil } }
        speaker = nil
        #expect(try client(relay, member: speakerKey).join(room: room, as: .speaker).role == .listener)
        // ...and to the stage with a new personal grant.
        let invitation = try Grant(roomID: room.roomID, memberKey: speakerKey.publicKey, role: .speaker, expiry: now + 7200, signer: room.host)
        let onStage = try client(relay, member: speakerKey)
        #expect(try onStage.join(room: room, as: .speaker, grant: invitation).role == .speaker)
        while (try? host.receive(within: 0.3)) != nil {}

        // A ban holds for the key, link or no link.
        try host.send(.moderation(Moderation(.action(.ban), target: speakerKey.publicKey)))
        _ = try host.receive { if case .memberLeft(let left) = $0, left.memberKey == speakerKey.publicKey { true } else { nil } }
        let banned = try client(relay, member: speakerKey)
        #expect(try banned.refusedJoin(banned.joinMessage(roomID: room.roomID, link: room.speakLink)) == .banned)
        await relay.stop()
    }

    @Test func aSessionMayJoinOnlySoOften() async throws {
        let relay = try await start()
        let host = try host(relay)
        let looper = try client(relay)
        let before = relay.metrics.value(.rateLimited)
        for _ in 0..<3 {
            _ = try looper.join(room: room)
            try looper.send(.leave)
        }
        #expect(try looper.refusedJoin(looper.joinMessage(roomID: room.roomID, link: room.listenLink)) == .rateLimited)
        #expect(relay.metrics.value(.rateLimited) == before + 1)
        _ = host
        await relay.stop()
    }

    @Test func keyDeliveryKeepsTheStatementAndRefusesARewoundEpoch() async throws {
        let relay = try await start()
        let host = try host(relay)
        let listener = try client(relay)
        _ = try listener.join(room: room)
        func deliver(_ epoch: UInt64) throws -> KeyDelivery {
            let statement = try EpochStatement(roomID: room.roomID, epoch: epoch, secret: RoomKeys.newEpochSecret(),
                                               recipients: [(listener.memberKey, listener.boxKey)], signer: room.host)
            let authority = try Grant(roomID: room.roomID, memberKey: room.host.publicKey, role: .moderator, expiry: now + 60, signer: room.host)
            return KeyDelivery(epoch: epoch, secrets: [SealedEpochSecret(memberKey: listener.memberKey, sealedSecret: [UInt8](repeating: 1, count: 80)),
                                                       SealedEpochSecret(memberKey: host.memberKey, sealedSecret: [UInt8](repeating: 2, count: 80))],
                               statement: statement, authority: authority)
        }
        let five = try deliver(5)
        try host.send(.keyDelivery(five))
        let received = try listener.receive { if case .keyDelivery(let delivery) = $0 { delivery } else { nil } }
        #expect(received.epoch == 5 && received.statement == five.statement && received.authority == five.authority)
        #expect(received.secrets == [five.secrets[0]], "each member gets only its own sealed secret")
        // The current epoch again (to a newcomer) passes; an older one does not.
        try host.send(.keyDelivery(try deliver(5)))
        _ = try listener.receive { if case .keyDelivery(let delivery) = $0, delivery.epoch == 5 { true } else { nil } }
        try host.send(.keyDelivery(try deliver(4)))
        #expect(try host.receiveError().code == ErrorMessage.Code.notAllowed.rawValue)
        // A delivery whose epoch is not the one its statement vouches for is malformed.
        var mismatched = try deliver(6)
        mismatched.epoch = 7
        try host.send(.keyDelivery(mismatched))
        #expect(try host.receiveError().code == ErrorMessage.Code.malformedMessage.rawValue)
        #expect(try client(relay).join(room: room).epoch == 5)
        await relay.stop()
    }

    /// Every roster entry carries its member's credential (297 bytes): a moderator joining a room
    /// of dozens still gets a `joined` that fits the largest padding bucket, and the rest as
    /// `member_joined`s, each credential unchanged.
    @Test func aBigRosterWithCredentialsArrivesInPieces() async throws {
        let relay = try await start()
        let host = try host(relay)
        let listeners = try (0..<50).map { _ in
            let listener = try client(relay)
            _ = try listener.join(room: room)
            return listener
        }
        let moderatorKey = Ed25519SigningKey.generate()
        let moderator = try client(relay, member: moderatorKey)
        let grant = try Grant(roomID: room.roomID, memberKey: moderatorKey.publicKey, role: .moderator, expiry: now + 3600, signer: room.host)
        let joined = try moderator.join(room: room, grant: grant)
        #expect(joined.roster.count < 52, "the roster did not fit one joined")
        var entries = joined.roster
        while entries.count < 52, let message = try? moderator.receive(within: 2) {
            if case .memberJoined(let joinedLater) = message { entries.append(joinedLater.member) }
        }
        #expect(Set(entries.map(\.memberKey)) == Set(listeners.map(\.memberKey) + [host.memberKey, moderatorKey.publicKey]))
        for entry in entries {
            #expect(try entry.credential.verify(roomID: room.roomID, hostKey: room.host.publicKey, memberKey: entry.memberKey,
                                                boxKey: entry.boxKey, now: now) >= .listener)
        }
        await relay.stop()
    }
}
