import Foundation
import ParlorBench
import ParlorCrypto
import ParlorProtocol
import Testing
@testable import ParlorServer

/// The relay for real: SwiftNIO on loopback, real TCP and UDP, clients speaking the wire protocol.
@Suite(.serialized) struct RelayIntegrationTests {
    let keys = try! BenchRoom()
    let relayKey = X25519KeyPair.generate()
    var now: UInt64 { UInt64(Date().timeIntervalSince1970) }

    /// A relay on a free loopback port (`startForTests`).
    func start() async throws -> RelayServer {
        try await RelayServer.startForTests(key: relayKey)
    }

    /// Waits for a counter the UDP path bumps asynchronously.
    func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<100 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }

    func client(_ relay: RelayServer) throws -> RelaySocketSession {
        try RelaySocketSession(port: UInt16(relay.address.port!), relayKey: relay.publicKey)
    }

    /// A host that created the room, with UDP media set up.
    func host(_ relay: RelayServer) throws -> RelaySocketSession {
        let host = try RelaySocketSession(port: UInt16(relay.address.port!), relayKey: relay.publicKey, member: keys.host)
        let joined = try host.create(room: keys)
        #expect(joined.role == .host)
        try host.setUpMedia()
        return host
    }

    func grant(_ role: Role, for member: RelaySocketSession, by signer: Ed25519SigningKey, expiry: UInt64? = nil) throws -> Grant {
        try Grant(roomID: keys.roomID, memberKey: member.memberKey, role: role, expiry: expiry ?? now + 3600, signer: signer)
    }

    @Test func mediaFromTheStageReachesListenersAndMediaFromListenersDoesNot() async throws {
        let relay = try await start()
        let host = try host(relay)
        let listener = try client(relay)
        #expect(try listener.join(room: keys).role == .listener)
        try listener.setUpMedia()

        try host.sendMedia([1, 2, 3])
        let payload = try #require(try listener.receiveMedia())
        #expect(payload.sframe == [1, 2, 3])
        #expect(payload.senderSlot == 1)

        try listener.sendMedia([4, 5, 6])
        #expect(try host.receiveMedia() == nil, "a listener's media must not be forwarded")
        #expect(relay.metrics.value(.notSpeaker) == 1)
        await relay.stop()
    }

    @Test func forgedAndExpiredGrantsAreRefusedAndAHostGrantPutsAListenerOnStage() async throws {
        let relay = try await start()
        let host = try host(relay)
        let member = try client(relay)
        _ = try member.join(room: keys)

        for bad in [try grant(.speaker, for: member, by: Ed25519SigningKey.generate()),
                    try grant(.speaker, for: member, by: host.member, expiry: now - 1)] {
            try member.send(.grantPresent(GrantPresent(grant: bad)))
            let error = try member.receive { if case .error(let e) = $0 { e } else { nil } }
            #expect(error.code == ErrorMessage.Code.badGrant.rawValue)
        }
        try member.setUpMedia()
        try member.sendMedia([7])
        #expect(try host.receiveMedia() == nil)

        try member.send(.grantPresent(GrantPresent(grant: try grant(.speaker, for: member, by: host.member))))
        let change = try host.receive { if case .roleChanged(let r) = $0 { r } else { nil } }
        #expect(change.memberKey == member.memberKey && change.role == .speaker)
        try member.sendMedia([8])
        #expect(try host.receiveMedia()?.sframe == [8])
        await relay.stop()
    }

    /// Roles travel with the grants behind them (docs/PROTOCOL.md §7.2): a speaker a moderator
    /// invited is shown to the host, to a listener meeting it on stage and to a newcomer's roster
    /// with its grant and the moderator's, back to the host; a chain may hold 4 grants, so the
    /// fourth moderator in a line may not sign.
    @Test func aRoleIsPassedOnWithTheGrantsBackToTheHost() async throws {
        let relay = try await start()
        let host = try host(relay)
        let listener = try client(relay)
        _ = try listener.join(room: keys)
        // Moderators in a line: the host appoints the first, each appoints the next.
        var moderators: [RelaySocketSession] = []
        for n in 0..<4 {
            let moderator = try client(relay)
            _ = try moderator.join(room: keys)
            try moderator.send(.grantPresent(GrantPresent(grant: try grant(.moderator, for: moderator, by: n == 0 ? keys.host : moderators[n - 1].member))))
            let change = try host.receive { if case .roleChanged(let r) = $0, r.memberKey == moderator.memberKey { r } else { nil } }
            let proof = try #require(change.roleProof)
            #expect(proof.grants.count == n + 1)
            #expect(try proof.role(of: moderator.memberKey, roomID: keys.roomID, hostKey: keys.host.publicKey) == .moderator)
            moderators.append(moderator)
        }
        // The first moderator invites a speaker: its proof is its grant and the moderator's.
        let speaker = try client(relay)
        _ = try speaker.join(room: keys)
        try speaker.send(.grantPresent(GrantPresent(grant: try grant(.speaker, for: speaker, by: moderators[0].member))))
        let change = try host.receive { if case .roleChanged(let r) = $0, r.memberKey == speaker.memberKey { r } else { nil } }
        let met = try listener.receive { if case .memberJoined(let m) = $0, m.member.memberKey == speaker.memberKey { m.member } else { nil } }
        for proof in [change.roleProof, met.roleProof] {
            let proof = try #require(proof)
            #expect(proof.grants.map(\.signerKey) == [moderators[0].memberKey, keys.host.publicKey])
            #expect(try proof.role(of: speaker.memberKey, roomID: keys.roomID, hostKey: keys.host.publicKey) == .speaker)
        }
        let newcomer = try client(relay)
        let roster = try newcomer.join(room: keys).roster
        #expect(roster.first { $0.memberKey == speaker.memberKey }?.roleProof == change.roleProof, "a newcomer's roster carries it")
        #expect(roster.first { $0.memberKey == keys.host.publicKey }?.roleProof == nil, "the host needs none")
        // The fourth moderator's proof holds 4 grants already: its invitation would make 5.
        let late = try client(relay)
        _ = try late.join(room: keys)
        try late.send(.grantPresent(GrantPresent(grant: try grant(.speaker, for: late, by: moderators[3].member))))
        #expect(try late.receiveError().code == ErrorMessage.Code.badGrant.rawValue)
        await relay.stop()
    }

    @Test func aRaisedHandReachesTheHostWhoInvitesAndThenRemoves() async throws {
        let relay = try await start()
        let host = try host(relay)
        let member = try client(relay)
        _ = try member.join(room: keys)
        _ = try host.receive { if case .memberJoined = $0 { true } else { nil } }

        try member.send(.handRaise)
        let hand = try host.receive { if case .handUpdate(let h) = $0 { h } else { nil } }
        #expect(hand.memberKey == member.memberKey && hand.raised)

        // A listener may not moderate.
        try member.send(.moderation(Moderation(.action(.remove), target: host.memberKey)))
        let refused = try member.receive { if case .error(let e) = $0 { e } else { nil } }
        #expect(refused.code == ErrorMessage.Code.notAllowed.rawValue)

        try host.send(.moderation(Moderation(.action(.remove), target: member.memberKey)))
        let removed = try member.receive { if case .moderation(let m) = $0 { m } else { nil } }
        #expect(removed.act == .action(.remove) && removed.target == member.memberKey && removed.actor == host.memberKey)
        #expect(throws: (any Error).self) { _ = try member.receive(within: 2) }
        _ = try host.receive { if case .memberLeft(let left) = $0, left.memberKey == member.memberKey { true } else { nil } }
        await relay.stop()
    }

    @Test func aListenerWithoutUDPGetsMediaOverItsControlSession() async throws {
        let relay = try await start()
        let host = try host(relay)
        let listener = try client(relay)
        _ = try listener.join(room: keys)
        try host.sendMedia([9, 9])
        let carried = try listener.receive { if case .mediaOverTCP(let m) = $0 { m } else { nil } }
        #expect(try MediaPayload.decode(carried.payload).sframe == [9, 9])
        #expect(relay.metrics.value(.tcpMediaForwarded) == 1)
        await relay.stop()
    }

    /// A member without UDP that stops reading its control connection: once 64 KiB wait unsent
    /// for it, the relay drops its media and counts it, instead of holding it; a member that reads
    /// hears every frame meanwhile.
    @Test func aMemberThatStopsReadingCostsTheRelayNoMoreThanItsBacklog() async throws {
        let relay = try await start()
        let host = try host(relay)
        let stalled = try client(relay)
        _ = try stalled.join(room: keys)
        // A small receive window, so that the kernel's buffers fill sooner.
        var small: Int32 = 4_096
        setsockopt(stalled.tcp, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let listener = try client(relay)
        _ = try listener.join(room: keys)
        try listener.setUpMedia()
        var heard = 0
        // Frames of the largest size bucket, within the speaker's rate (100 a second), until the
        // relay has dropped a second's worth for the stalled member.
        let frame = [UInt8](repeating: 7, count: 1_000)
        for n in 0..<3_000 where relay.metrics.value(.slowReceiver) < 100 {
            try host.sendMedia(frame)
            if try listener.receiveMedia() != nil { heard += 1 }
            if n % 40 == 39 { try await Task.sleep(for: .milliseconds(400)) }
        }
        // The relay sends a frame's datagrams before it counts what it carried or dropped for the
        // TCP member: the last frame may be heard a moment before it is counted.
        try await eventually { relay.metrics.value(.slowReceiver) + relay.metrics.value(.tcpMediaForwarded) >= heard }
        let dropped = relay.metrics.value(.slowReceiver)
        let carried = relay.metrics.value(.tcpMediaForwarded)
        print("slow receiver: \(carried) frames queued by TCP for the stalled member, then \(dropped) dropped; the reading listener heard \(heard)")
        #expect(dropped >= 100, "the stalled member's media was dropped once its backlog filled")
        #expect(carried * frame.count < 8 * 1024 * 1024, "what the relay wrote for it is bounded by the socket buffers and the backlog")
        #expect(heard == carried + dropped, "the reading listener heard every frame")
        await relay.stop()
    }

    @Test func malformedInputIsDroppedCountedAndSurvived() async throws {
        let relay = try await start()
        let host = try host(relay)
        // A padded message of a type no one defined, then one cut short.
        for (bytes, code) in [([UInt8]([1, 99, 0xFF]), ErrorMessage.Code.unknownMessage), ([1, 11, 1], .malformedMessage)] {
            try host.sendRaw(try ControlFraming.frame(try host.transport.encrypt(try ControlPadding.pad(bytes))))
            let error = try host.receive { if case .error(let e) = $0 { e } else { nil } }
            #expect(error.code == code.rawValue)
        }
        try host.sendDatagram([0xFF, 0, 0])
        try host.sendDatagram([UInt8](repeating: 1, count: 200))
        try host.send(.ping(Ping(nonce: 42)))
        let pong = try host.receive { if case .pong(let p) = $0 { p } else { nil } }
        #expect(pong.nonce == 42, "the session survives bad input")
        try await eventually { relay.metrics.value(.malformed) == 3 && relay.metrics.value(.unknownReceiver) == 1 }
        #expect(relay.metrics.value(.malformed) == 3)
        #expect(relay.metrics.value(.unknownReceiver) == 1)
        await relay.stop()
    }

    @Test func fiveHundredMembersAllHearTheSpeaker() async throws {
        let relay = try await start()
        let host = try host(relay)
        var listeners: [RelaySocketSession] = []
        for _ in 0..<499 {
            let listener = try client(relay)
            _ = try listener.join(room: keys)
            try listener.setUpMedia()
            listeners.append(listener)
        }
        try host.sendMedia([42])
        var heard = 0
        let deadline = Date().addingTimeInterval(30)
        for listener in listeners {
            // Each socket waits 200 ms a try; a loaded machine may need several.
            while Date() < deadline {
                if let payload = try listener.receiveMedia() {
                    if payload.sframe == [42] { heard += 1 }
                    break
                }
            }
        }
        #expect(heard == 499)
        #expect(relay.metrics.value(.sessionsOpen) == 500)
        await relay.stop()
    }
}

extension RelaySocketSession {
    func sendRaw(_ bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBytes { write(tcp, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw POSIXError(.EPIPE) }
    }
}

@Suite(.serialized) struct RelayLoadSheddingTests {
    @Test func aboveTheHandshakeRateClientsGetInWithACookieWithinTheirAddressRate() async throws {
        var limits = RelayLimits()
        limits.handshakesPerSecond = 3
        limits.addressHandshakesPerSecond = 2
        limits.drainSeconds = 0
        let key = X25519KeyPair.generate()
        let relay = try await RelayServer.start(.init(host: "127.0.0.1", port: 0, key: key, limits: limits))
        var sessions: [RelaySocketSession] = []
        var refused = 0
        let start = Date()
        for _ in 0..<12 {
            do {
                sessions.append(try RelaySocketSession(port: UInt16(relay.address.port!), relayKey: key.publicKey))
            } catch is RelaySocketSession.Refused {
                refused += 1
            }
        }
        // A burst of 3 (then 3 a second) without cookies; above it, a burst of 2 (then 2 a second)
        // from this one address with them; the rest refused. How many refill depends on the time taken.
        let elapsed = Date().timeIntervalSince(start)
        let plain = sessions.filter { !$0.neededCookie }.count
        let withCookie = sessions.filter(\.neededCookie).count
        #expect(plain >= 3 && plain <= 3 + Int(elapsed * 3) + 1, "\(plain) without a cookie")
        #expect(withCookie >= 1 && withCookie <= 2 + Int(elapsed * 2) + 1, "\(withCookie) with one")
        #expect(plain + withCookie + refused == 12)
        #expect(relay.metrics.value(.handshakes) == sessions.count, "no Noise work for a connection answered with a cookie")
        #expect(relay.metrics.value(.cookieReplies) == 12 - plain)
        #expect(relay.metrics.value(.rateLimited) == refused)

        // Each session that got in works.
        try sessions.last!.send(.ping(Ping(nonce: 1)))
        #expect(try sessions.last!.receive() == .pong(Pong(nonce: 1)))
        await relay.stop()
    }
}
