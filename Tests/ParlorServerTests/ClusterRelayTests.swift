import Foundation
import ParlorBench
import ParlorCrypto
import ParlorProtocol
import ParlorTestSupport
import Synchronization
import Testing
@testable import ParlorServer

/// Relays as nodes of a cluster: two real relays on loopback, each a node of a real `nats-server`
/// of the test's own, with clients speaking the wire protocol.
@Suite(.serialized) struct ClusterRelayTests {
    let room = try! BenchRoom()
    let relayKey = X25519KeyPair.generate()
    var now: UInt64 { UInt64(Date().timeIntervalSince1970) }

    func node(_ name: String, _ server: NATSServerProcess) async throws -> (RelayServer, RelayCluster) {
        let metrics = RelayMetrics()
        let cluster = try RelayCluster(servers: [server.url], node: name, secret: relayKey.privateKeyForStorage, metrics: metrics)
        var limits = RelayLimits()
        limits.drainSeconds = 0
        limits.idleTimeoutSeconds = 600
        let relay = try await RelayServer.start(.init(host: "127.0.0.1", port: 0, key: relayKey, limits: limits, cluster: cluster),
                                                metrics: metrics)
        return (relay, cluster)
    }

    /// Stops each node: its cluster first, then its relay.
    func stop(_ nodes: (RelayServer, RelayCluster)...) async {
        for (relay, cluster) in nodes {
            cluster.stop()
            await relay.stop()
        }
    }

    func client(_ relay: RelayServer, member: Ed25519SigningKey = .generate()) throws -> RelaySocketSession {
        try RelaySocketSession(port: UInt16(relay.address.port!), relayKey: relay.publicKey, member: member)
    }

    /// Node "a" on `server` leading the room, with its host in and a listener at slot 2.
    func roomOnA(_ server: NATSServerProcess) async throws
        -> (relay: RelayServer, cluster: RelayCluster, host: RelaySocketSession, listener: RelaySocketSession) {
        let (relayA, clusterA) = try await node("a", server)
        let host = try client(relayA, member: room.host)
        _ = try host.create(room: room)
        let listener = try client(relayA)
        #expect(try listener.join(room: room).senderSlot == 2)
        return (relayA, clusterA, host, listener)
    }

    /// The host's key delivery for `epoch`, to `recipients`.
    func delivery(_ epoch: UInt64, to recipients: [RelaySocketSession]) throws -> KeyDelivery {
        let statement = try EpochStatement(roomID: room.roomID, epoch: epoch, secret: RoomKeys.newEpochSecret(),
                                           recipients: recipients.map { ($0.memberKey, $0.boxKey) }, signer: room.host)
        let authority = try Grant(roomID: room.roomID, memberKey: room.host.publicKey, role: .moderator, expiry: now + 60, signer: room.host)
        return KeyDelivery(epoch: epoch, secrets: recipients.map { SealedEpochSecret(memberKey: $0.memberKey, sealedSecret: [UInt8](repeating: 1, count: 80)) },
                           statement: statement, authority: authority)
    }

    @Test func aRoomHasOneAuthorityAndMovesWithItsSlotsAndEpochWhenItsNodeDies() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA) = try await node("a", server)
        let (relayB, clusterB) = try await node("b", server)
        let (relayC, clusterC) = try await node("c", server)

        // The room on A: host (slot 1), a listener (slot 2), epoch 3.
        let host = try client(relayA, member: room.host)
        #expect(try host.create(room: room).senderSlot == 1)
        let listener = try client(relayA)
        #expect(try listener.join(room: room).senderSlot == 2)
        try host.send(.keyDelivery(try delivery(3, to: [host, listener])))
        _ = try listener.receive { if case .keyDelivery(let delivery) = $0, delivery.epoch == 3 { true } else { nil } }
        #expect(relayA.metrics.value(.roomsLed) == 1)

        // While A leads the room, B does not take it: a join there goes to A, which admits it.
        var elsewhere: RelaySocketSession? = try client(relayB)
        #expect(try elsewhere!.join(room: room).senderSlot == 3)
        #expect(relayB.metrics.value(.roomsLed) == 0)
        let onC = try client(relayC)
        #expect(try onC.join(room: room).senderSlot == 4)

        // A's node dies: it renews nothing more.
        try await Task.sleep(for: .milliseconds(200))
        let died = ContinuousClock.now
        clusterA.stop()
        await relayA.stop()

        // The host comes back through B, on a new connection each time it hears "not here", as a
        // client does.
        var joined: Joined?
        var attempts = 0
        var hostAgain: RelaySocketSession?
        while joined == nil, ContinuousClock.now - died < .seconds(6) {
            attempts += 1
            let attempt = try client(relayB, member: room.host)
            do {
                joined = try attempt.create(room: room)
                hostAgain = attempt
            } catch let refusal as RelaySocketSession.Refusal where refusal.code == .noSuchRoom {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let back = try #require(joined, "the room never came back on B")
        let takeover = ContinuousClock.now - died
        print("room back on another node \(takeover) after its node died (\(attempts) attempts)")
        #expect(takeover < .seconds(3))
        #expect(back.senderSlot == 5 + RelayCluster.slotsSkippedAtTakeover, "no slot reused: slots 1–4 went out through A, then a skip")
        #expect(back.epoch == 3, "no epoch lost")
        var newcomer: RelaySocketSession? = try client(relayB)
        let newcomerSlot = try newcomer!.join(room: room).senderSlot
        #expect(newcomerSlot == back.senderSlot + 1)
        #expect(relayB.metrics.value(.roomsLed) == 1)
        #expect(relayB.metrics.value(.leaseChanges) == 1)

        // C admitted its member through A: told the room moved, it reconnects and joins through B.
        let closing = try onC.receive(within: 3) { if case .serverClosing(let closing) = $0 { closing } else { nil } }
        #expect(closing.retryAfterSeconds == 1)
        var onCAgain: RelaySocketSession? = try client(relayC)
        let rejoined = try onCAgain!.join(room: room)
        #expect(rejoined.senderSlot == newcomerSlot + 1 && rejoined.epoch == 3)
        #expect(rejoined.roster.contains { $0.memberKey == room.host.publicKey }, "the roster from the new authority has the host")

        // Everyone leaves and the host comes straight back: B kept the lease, so the room goes on
        // from where it was, without skipping slots again.
        #expect(hostAgain != nil, "the host's session on B stayed open until now")
        hostAgain = nil
        newcomer = nil
        elsewhere = nil
        onCAgain = nil
        try await Task.sleep(for: .milliseconds(300))
        #expect(relayB.metrics.value(.roomsOpen) == 0)
        #expect(try client(relayB, member: room.host).create(room: room).senderSlot == newcomerSlot + 2)
        await stop((relayB, clusterB), (relayC, clusterC))
    }

    /// Another node's value in the room's lease (as after a takeover this node missed): at its
    /// next renewal the authority finds the lease is not its own, tells its members
    /// `server_closing` and closes them, to join again where the room now is.
    @Test func aNodeThatLosesARoomsLeaseTellsItsMembersServerClosing() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA, host, listener) = try await roomOnA(server)
        #expect(relayA.metrics.value(.roomsLed) == 1)

        let connection = try NATSConnection(servers: [server.url], name: "test")
        defer { connection.close() }
        let leases = try NATSKeyValue(connection: connection, bucket: "parlor-leases", ttlMilliseconds: RoomLease.ttlMilliseconds)
        let key = "lease.\(clusterA.name(of: OpaqueKey(room.roomID)!).text)"
        let entry = try #require(try leases.get(key))
        #expect(entry.value == Array("a".utf8))
        #expect(try leases.update(key, Array("intruder".utf8), last: entry.revision) != nil)
        let taken = ContinuousClock.now

        for member in [host, listener] {
            let closing = try member.receive(within: 2) { if case .serverClosing(let closing) = $0 { closing } else { nil } }
            #expect(closing.retryAfterSeconds == 1)
        }
        print("lease taken from under the authority: its members told server_closing after \(ContinuousClock.now - taken)")
        #expect(ContinuousClock.now - taken < .seconds(1), "within one renewal")
        #expect(relayA.metrics.value(.roomsLed) == 0)
        #expect(relayA.metrics.value(.leaseChanges) == 2, "taken, then lost")
        clusterA.stop()
        await relayA.stop()
    }

    /// The only NATS server stops (SIGSTOP) for 3 s — longer than the lease's hold and ttl —
    /// while A leads a room: A keeps its members, and a join arriving meanwhile waits, with the
    /// host's key delivery after it held behind it (docs/CLUSTER.md: rule changes wait in turn).
    /// When NATS is back the test deletes the lease, as the server's expiry would (the paused
    /// server may answer A's queued renewal before its own expiry runs): A takes its lease again,
    /// writes the room's invariants from the revision it last wrote (the fence: nobody else acted)
    /// and carries on — the waiting join admitted at the next slot, no takeover's skip, then the
    /// key delivery, the newcomer's copy included; no `server_closing`, and another join after
    /// the fence at the slot after.
    @Test func aNATSPauseLongerThanTheLeaseKeepsTheAuthorityAndItsMembers() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA, host, listener) = try await roomOnA(server)
        try await Task.sleep(for: .milliseconds(300))
        let connection = try NATSConnection(servers: [server.url], name: "test")
        defer { connection.close() }
        let leases = try NATSKeyValue(connection: connection, bucket: "parlor-leases", ttlMilliseconds: RoomLease.ttlMilliseconds)

        kill(server.process.pid, SIGSTOP)
        let paused = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        #expect(!clusterA.mayChangeRules(of: OpaqueKey(room.roomID)!, now: Monotonic.nanoseconds), "the hold ran out: the rules wait")
        let newcomer = try client(relayA)
        try newcomer.send(.join(newcomer.joinMessage(roomID: room.roomID, link: room.listenLink)))
        // The host's next epoch, for the newcomer too: held behind the join, not refused.
        try host.send(.keyDelivery(try delivery(2, to: [host, listener, newcomer])))
        #expect(throws: (any Error).self, "held while the rules wait") {
            try listener.receive(within: 0.9) { if case .keyDelivery = $0 { true } else { nil } }
        }
        kill(server.process.pid, SIGCONT)
        try leases.delete("lease.\(clusterA.name(of: OpaqueKey(room.roomID)!).text)")
        let joined = try newcomer.receive(within: 4) { if case .joined(let joined) = $0 { joined } else { nil } }
        print("NATS paused 3 s: the waiting join admitted \(ContinuousClock.now - paused) after the pause began")
        #expect(joined.senderSlot == 3, "the same authority, no takeover's skip")
        for member in [newcomer, listener] {
            let keys = try member.receive(within: 1) { if case .keyDelivery(let delivery) = $0 { delivery } else { nil } }
            #expect(keys.epoch == 2, "the held key delivery applied after the join it follows")
        }
        print("NATS paused 3 s: the held key delivery applied \(ContinuousClock.now - paused) after the pause began")
        #expect(throws: (any Error).self, "the key delivery not refused") {
            try host.receive(within: 0.1) { if case .error(let error) = $0 { error } else { nil } }
        }
        // Up to 4 s: one run in seven, beside another build, had not retaken it after 2 s.
        var retaken = false
        for _ in 0..<80 where !retaken {
            retaken = relayA.metrics.value(.leaseRetakes) == 1
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(retaken, "the lease taken again, and fenced")
        #expect(try client(relayA).join(room: room).senderSlot == 4, "rules change again after the fence")
        #expect(relayA.metrics.value(.roomsLed) == 1)
        #expect(relayA.metrics.value(.leaseChanges) == 1, "the lease never changed hands")
        #expect(relayA.metrics.value(.ruleWaits) >= 1)
        for member in [host, listener] {
            #expect(throws: (any Error).self, "no server_closing") {
                try member.receive(within: 0.3) { if case .serverClosing = $0 { true } else { nil } }
            }
        }
        clusterA.stop()
        await relayA.stop()
    }

    /// While A's rules wait (forced, as a late lease renewal makes them), a grant presented by a
    /// member on B — passed to A over NATS — is held there, neither refused nor applied, and
    /// applied once the rules may change, its role crossing back with the grant as its proof; a
    /// join through B meanwhile goes unanswered, B asks again, and it is admitted too.
    @Test func aRuleChangeFromAnotherNodeWaitsForTheAuthoritysRules() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA, host, listener) = try await roomOnA(server)
        let (relayB, clusterB) = try await node("b", server)
        let member = try client(relayB)
        #expect(try member.join(room: room).senderSlot == 3)

        await relayA.forceRulesWait(true)
        let grant = try Grant(roomID: room.roomID, memberKey: member.memberKey, role: .speaker, expiry: now + 60, signer: room.host)
        try member.send(.grantPresent(GrantPresent(grant: grant)))
        let newcomer = try client(relayB)
        try newcomer.send(.join(newcomer.joinMessage(roomID: room.roomID, link: room.listenLink)))
        #expect(throws: (any Error).self, "held while A's rules wait: neither refused nor applied") {
            try member.receive(within: 1) { message -> Bool? in
                switch message {
                case .roleChanged, .error: true
                default: nil
                }
            }
        }
        await relayA.forceRulesWait(false)
        let change = try member.receive(within: 2) { if case .roleChanged(let change) = $0 { change } else { nil } }
        #expect(change.memberKey == member.memberKey && change.role == .speaker)
        // The role crosses the cluster with its proof (docs/PROTOCOL.md §7.2), in the change and
        // in the roster a newcomer on B gets from A.
        #expect(change.roleProof == RoleProof([grant]))
        let joined = try newcomer.receive(within: 3) { if case .joined(let joined) = $0 { joined } else { nil } }
        #expect(joined.senderSlot == 4)
        #expect(joined.roster.first { $0.memberKey == member.memberKey }?.roleProof == RoleProof([grant]))
        var seenByHost: [String] = []
        while seenByHost.count < 2, let seen = try? host.receive(within: 2, { message -> String? in
            switch message {
            case .roleChanged(let change) where change.memberKey == member.memberKey: "grant"
            case .memberJoined(let entry) where entry.member.memberKey == newcomer.memberKey: "join"
            default: nil
            }
        }) { seenByHost.append(seen) }
        #expect(seenByHost == ["grant", "join"], "held in turn: the grant, then the join sent after it")
        #expect(relayA.metrics.value(.rateLimited) == 0)
        withExtendedLifetime((host, listener)) {}
        await stop((relayA, clusterA), (relayB, clusterB))
    }

    /// A join passed on by B while A's rules wait (forced) waits as long as a local one: held 5 s
    /// (past B's old 3 s of asking), then admitted once although B resent it every 0.5 s; a
    /// session that closes meanwhile takes its join with it; one held past 10 s is refused
    /// `rate_limited` (measured 10.010–10.015 s after it was sent) and never applied afterwards,
    /// not even from a resend of it that reaches A after the refusal.
    @Test func aJoinThroughAnotherNodeWaitsForTheAuthoritysRulesAsLongAsALocalOne() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA, host, listener) = try await roomOnA(server)
        let (relayB, clusterB) = try await node("b", server)
        func answer(to client: RelaySocketSession, within seconds: Double) throws -> ControlMessage {
            try client.receive(within: seconds) { message -> ControlMessage? in
                switch message {
                case .joined, .error: message
                default: nil
                }
            }
        }

        // Held 5 s — longer than B's old 3 s of asking — then admitted once, at the next slot.
        await relayA.forceRulesWait(true)
        let newcomer = try client(relayB)
        try newcomer.send(.join(newcomer.joinMessage(roomID: room.roomID, link: room.listenLink)))
        #expect(throws: (any Error).self, "held while A's rules wait: neither refused nor applied") {
            try answer(to: newcomer, within: 5)
        }
        await relayA.forceRulesWait(false)
        let admitted = try answer(to: newcomer, within: 2)
        guard case .joined(let joined) = admitted else { Issue.record("not admitted: \(admitted)"); return }
        #expect(joined.senderSlot == 3)
        func joinsSeen(within seconds: Double) -> Int {
            var count = 0
            while (try? host.receive(within: seconds) { message -> Bool? in
                if case .memberJoined(let entry) = message, entry.member.memberKey == newcomer.memberKey { true } else { nil }
            }) != nil { count += 1 }
            return count
        }
        #expect(joinsSeen(within: 1.5) == 1, "B resent the join every 0.5 s; A applied it once")
        #expect(throws: (any Error).self, "no second answer") { try answer(to: newcomer, within: 0.5) }

        // A session that closes while its join is held takes the join with it.
        await relayA.forceRulesWait(true)
        let quitter = try client(relayB)
        try quitter.send(.join(quitter.joinMessage(roomID: room.roomID, link: room.listenLink)))
        try await Task.sleep(for: .seconds(2))
        shutdown(quitter.tcp, Int32(SHUT_RDWR))
        try await Task.sleep(for: .seconds(1))
        await relayA.forceRulesWait(false)
        #expect(throws: (any Error).self, "the closed session's join was dropped, not applied") {
            try host.receive(within: 1) { message -> Bool? in
                if case .memberJoined(let entry) = message, entry.member.memberKey == quitter.memberKey { true } else { nil }
            }
        }

        // Held past 10 s: refused rate_limited (not no_such_room), and never applied afterwards.
        await relayA.forceRulesWait(true)
        let late = try client(relayB)
        let sent = ContinuousClock.now
        let lateJoin = try late.joinMessage(roomID: room.roomID, link: room.listenLink)
        try late.send(.join(lateJoin))
        let refusal = try answer(to: late, within: 12)
        let waited = ContinuousClock.now - sent
        print("a join through B refused \(waited) after it was sent, A's rules waiting")
        guard case .error(let error) = refusal else { Issue.record("not refused: \(refusal)"); return }
        #expect(error.code == ErrorMessage.Code.rateLimited.rawValue)
        #expect(waited >= .seconds(10) && waited < .seconds(11))
        // A resend that crossed the refusal: B passed the join on again before the refusal reached
        // it (B's third session, numbered from B's node number up). A drops it
        // (`RelayCore.joinWasRefused`); held again, it would be admitted once the rules move, for a
        // session that asks no more (slot 4 would be gone and the host would see it join).
        clusterB.forward(.join(lateJoin), from: SessionID(UInt64(clusterB.number) << 48 | 3), to: try #require(OpaqueKey(room.roomID)))
        try await Task.sleep(for: .milliseconds(200))
        await relayA.forceRulesWait(false)
        #expect(throws: (any Error).self, "nothing more: neither no_such_room nor a late admission") {
            try answer(to: late, within: 1.5)
        }
        #expect(throws: (any Error).self, "the host never sees the refused member join") {
            try host.receive(within: 0.5) { message -> Bool? in
                if case .memberJoined(let entry) = message, entry.member.memberKey == late.memberKey { true } else { nil }
            }
        }
        let next = try client(relayB)
        #expect(try next.join(room: room).senderSlot == 4, "one slot went to the held joins in all")
        #expect(relayA.metrics.value(.rateLimited) == 1)
        withExtendedLifetime((listener, newcomer)) {}
        await stop((relayA, clusterA), (relayB, clusterB))
    }

    @Test func aRoomSpansThreeNodesAndEachFrameCrossesToEachOtherNodeOnce() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA) = try await node("a", server)
        let (relayB, clusterB) = try await node("b", server)
        let (relayC, clusterC) = try await node("c", server)

        // The host on A (A leads the room), a speaker on B, listeners on A and C.
        let host = try client(relayA, member: room.host)
        #expect(try host.create(room: room).role == .host)
        try host.setUpMedia()
        let speaker = try client(relayB)
        let speakerJoined = try speaker.join(room: room, as: .speaker)
        #expect(speakerJoined.role == .speaker)
        #expect(speakerJoined.roster.map(\.memberKey).contains(room.host.publicKey), "the roster comes from the authority on A")
        try speaker.setUpMedia()
        let listenerC = try client(relayC)
        let joinedC = try listenerC.join(room: room)
        #expect(Set(joinedC.roster.map(\.memberKey)) == [room.host.publicKey, speaker.memberKey, listenerC.memberKey])
        try listenerC.setUpMedia()
        let listenerA = try client(relayA)
        _ = try listenerA.join(room: room)
        try listenerA.setUpMedia()
        // Control crosses too: the host on A hears of the speaker on B.
        _ = try host.receive { if case .memberJoined(let joined) = $0, joined.member.memberKey == speaker.memberKey { true } else { nil } }
        #expect(relayA.metrics.value(.roomsLed) == 1 && relayB.metrics.value(.roomsLed) == 0 && relayC.metrics.value(.roomsLed) == 0)

        // The speaker's frames reach the listeners on A and C and the host, stamped with its slot.
        try await Task.sleep(for: .milliseconds(200))
        let frames = 20
        for n in 0..<frames {
            try speaker.sendMedia([UInt8(n), 1, 2])
            for member in [listenerC, listenerA, host] {
                let payload = try #require(try member.receiveMedia(), "frame \(n) lost")
                #expect(payload.sframe == [UInt8(n), 1, 2] && payload.senderSlot == speakerJoined.senderSlot)
            }
        }
        let sent = relayB.metrics.value(.interNodePacketsSent)
        let received = [relayA, relayB, relayC].map { $0.metrics.value(.interNodePacketsReceived) }.reduce(0, +)
        print("inter-node packets per speaker frame: \(sent) published, \(Double(received) / Double(frames)) received (nodes with members − 1 = 2)")
        #expect(sent == frames, "each frame leaves its node once")
        #expect(received == 2 * frames, "and reaches each other node with members once")

        // A rekey from the host on A reaches the speaker on B and five listeners on C in one NATS
        // message a node: 2, not 6.
        var listenersC = [listenerC]
        for _ in 0..<4 {
            let listener = try client(relayC)
            _ = try listener.join(room: room)
            listenersC.append(listener)
        }
        let controlBefore = relayA.metrics.value(.interNodeControlSent)
        let everyone = [host, listenerA, speaker] + listenersC
        try host.send(.keyDelivery(try delivery(2, to: everyone)))
        for member in everyone {
            _ = try member.receive { if case .keyDelivery(let delivery) = $0, delivery.epoch == 2 { true } else { nil } }
        }
        let perRekey = relayA.metrics.value(.interNodeControlSent) - controlBefore
        print("NATS messages from the authority per rekey: \(perRekey) for 6 members on 2 other nodes")
        #expect(perRekey == 2, "one message per other node with members")

        // A moderator's mute on A reaches the speaker's node: its media stops there.
        try host.send(.moderation(Moderation(.action(.mute), target: speaker.memberKey)))
        _ = try speaker.receive { if case .moderation(let m) = $0, m.target == speaker.memberKey { true } else { nil } }
        try speaker.sendMedia([99])
        #expect(try listenerC.receiveMedia() == nil, "a muted speaker is not forwarded")
        try await Task.sleep(for: .milliseconds(100))
        #expect(relayB.metrics.value(.notSpeaker) == 1)
        await stop((relayA, clusterA), (relayB, clusterB), (relayC, clusterC))
    }

    @Test func aNodeLeavingGracefullyHandsItsRoomsOnAtOnce() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA) = try await node("a", server)
        let (relayB, clusterB) = try await node("b", server)
        let host = try client(relayA, member: room.host)
        #expect(try host.create(room: room).senderSlot == 1)
        try await Task.sleep(for: .milliseconds(100))

        // A drains and leaves: its lease goes with it, so B takes the room at the first join.
        let left = ContinuousClock.now
        await relayA.stop()
        clusterA.leave()
        let back = try client(relayB, member: room.host).create(room: room)
        let takeover = ContinuousClock.now - left
        print("room back on another node \(takeover) after its node left")
        #expect(takeover < .milliseconds(500), "no wait for the lease to expire")
        #expect(back.senderSlot > 1)
        #expect(relayB.metrics.value(.roomsLed) == 1)
        clusterB.stop()
        await relayB.stop()
    }

    @Test func membersOfANodeThatDiedLeaveTheRoster() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA) = try await node("a", server)
        let (relayC, clusterC) = try await node("c", server)
        let host = try client(relayA, member: room.host)
        _ = try host.create(room: room)
        let listener = try client(relayC)
        _ = try listener.join(room: room)
        _ = try host.receive { if case .memberJoined(let joined) = $0, joined.member.memberKey == listener.memberKey { true } else { nil } }

        // C dies: its NATS connection goes first, so nothing it does afterwards reaches A.
        let died = ContinuousClock.now
        clusterC.stop()
        await relayC.stop()
        let left = try host.receive(within: 8) { if case .memberLeft(let left) = $0, left.memberKey == listener.memberKey { true } else { nil } }
        let after = ContinuousClock.now - died
        print("members of a dead node left the roster \(after) after it died")
        #expect(left)
        #expect(after < .seconds(5), "lease expiry (2 s) plus one sweep (2 s)")
        clusterA.stop()
        await relayA.stop()
    }

    @Test func aListenerJoiningThroughAnotherNodeWhileTheHostIsAwayHearsTheStage() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let (relayA, clusterA) = try await node("a", server)
        let (relayC, clusterC) = try await node("c", server)
        var host: RelaySocketSession? = try client(relayA, member: room.host)
        _ = try host!.create(room: room)
        let speaker = try client(relayA)
        _ = try speaker.join(room: room, as: .speaker)
        try speaker.setUpMedia()
        // The host leaves; the room goes on with its speaker. A listener comes through C.
        host = nil
        _ = try speaker.receive { if case .memberLeft(let left) = $0, left.memberKey == room.host.publicKey { true } else { nil } }
        let listener = try client(relayC)
        let joined = try listener.join(room: room)
        #expect(!joined.roster.contains { $0.role == .host }, "the host is away")
        try listener.setUpMedia()
        try await Task.sleep(for: .milliseconds(200))
        try speaker.sendMedia([5, 6, 7])
        #expect(try listener.receiveMedia()?.sframe == [5, 6, 7], "C knows the room from the link grant's signer, and fans out")
        await stop((relayA, clusterA), (relayC, clusterC))
    }

    @Test func deliveriesToANodeCrossInBatchesUnderTheLimitAndDamagedOnesAreDroppedAndCounted() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let metricsA = RelayMetrics(), metricsB = RelayMetrics()
        let a = try RelayCluster(servers: [server.url], node: "a", secret: relayKey.privateKeyForStorage, metrics: metricsA)
        let b = try RelayCluster(servers: [server.url], node: "b", secret: relayKey.privateKeyForStorage, metrics: metricsB)
        defer {
            a.stop()
            b.stop()
        }
        let received = Mutex<[UInt64]>([])
        let inbox = try b.listen { inbound in
            if case .message(let session, _) = inbound { received.withLock { $0.append(session.value) } }
        }
        defer { inbox.cancel() }
        Thread.sleep(forTimeInterval: 0.2)

        // 3,000 messages for sessions on B, about 660 KB: more than one batch may carry.
        let message = ControlMessage.error(ErrorMessage(code: ErrorMessage.Code.internalError.rawValue, text: String(repeating: "x", count: 200)))
        let sessions = (1...3_000).map { SessionID(UInt64(b.number) << 48 | UInt64($0)) }
        a.deliver(sessions.map { ($0, message) }, toNode: b.number)
        let deadline = Date().addingTimeInterval(5)
        while received.withLock({ $0.count }) < sessions.count, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(received.withLock { $0 } == sessions.map(\.value), "every message, in order")
        let perBatch = (RelayCluster.deliveryBatchBytes - 1) / (12 + message.encoded.count)
        let batches = metricsA.value(.interNodeControlSent)
        print("3,000 deliveries of \(message.encoded.count) bytes to one node: \(batches) NATS messages")
        #expect(batches == (sessions.count + perBatch - 1) / perBatch, "as few batches as the limit allows")

        // A batch cut inside its message and a close cut short: each dropped and counted.
        let raw = try NATSConnection(servers: [server.url], name: "raw")
        defer { raw.close() }
        try raw.publish([0] + [UInt8](repeating: 0, count: 8) + [0, 0, 0, 200, 1, 2, 3], on: "parlor.node.\(b.number)")
        try raw.publish([1, 0, 0], on: "parlor.node.\(b.number)")
        try raw.flush()
        let dropDeadline = Date().addingTimeInterval(2)
        while metricsB.value(.malformed) < 2, Date() < dropDeadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(metricsB.value(.malformed) == 2)
        #expect(received.withLock { $0.count } == sessions.count, "nothing delivered from damaged input")
    }
}
