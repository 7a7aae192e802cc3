import ParlorClient
import ParlorCrypto
import ParlorProtocol
import Testing

/// A relay refuses a rule change as `rate_limited` when it held it for 10 s while the room's rules
/// waited (a cluster node without its lease; docs/CLUSTER.md) or when a session goes over its
/// pace. Neither is final: real `RoomSession`s ask again rather than give up or lose the change.
@Suite struct RateLimitedRetryTests {
    let fixture: RoomFixture
    let now = RoomFixture.now

    init() throws { fixture = try RoomFixture() }

    static func rateLimited(_ type: ControlMessageType) -> ControlMessage {
        .error(ErrorMessage(.rateLimited, text: "too many messages; slow down", inReplyTo: type.rawValue))
    }

    /// A join refused as rate-limited is asked again after the reconnection's pause; a join
    /// refused for good (banned) still ends the stay.
    @Test func aJoinRefusedAsRateLimitedIsAskedAgain() throws {
        var listener = RoomSession(identity: try RoomIdentity(link: fixture.room.listenLink, name: "Cy"))
        #expect(sent(listener.connected(handshakeHash: [UInt8](repeating: 1, count: 64))).contains { if case .join = $0 { true } else { false } })
        let effects = listener.receive(Self.rateLimited(.join), now: now)
        #expect(effects.contains { if case .retryLater = $0 { true } else { false } })
        #expect(!effects.contains { if case .finish = $0 { true } else { false } })
        #expect(events(effects).map(\.name) == ["error"], "the refusal is still told")
        #expect(listener.phase == .connecting)
        #expect(sent(listener.connected(handshakeHash: [UInt8](repeating: 2, count: 64))).contains { if case .join = $0 { true } else { false } },
                "the next connection joins again")

        var banned = RoomSession(identity: try RoomIdentity(link: fixture.room.listenLink, name: "Dan"))
        _ = banned.connected(handshakeHash: [UInt8](repeating: 3, count: 64))
        let final = banned.receive(.error(ErrorMessage(.banned, text: "banned", inReplyTo: ControlMessageType.join.rawValue)), now: now)
        #expect(final.contains { if case .finish = $0 { true } else { false } })
        #expect(banned.phase == .finished)
    }

    /// The keeper's key deliveries refused as rate-limited go out again as the next epoch once
    /// the rekey interval is over (1 s in a small room), so the members it was sealing to are not
    /// left without keys; without the refusal the tick does nothing.
    @Test func keyDeliveriesRefusedAsRateLimitedGoOutAgainAsTheNextEpoch() throws {
        var host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        // The host seals epoch 1 to Bob; the relay holds the delivery, so Bob never gets it.
        var stranded = bob
        let first = fixture.admit(&stranded, slot: 2, into: &host)
        #expect(sent(first).contains { if case .keyDelivery(let d) = $0 { d.epoch == 1 } else { false } })
        #expect(sent(host.tick(now: now + 5)).isEmpty, "nothing changed: no rekey")
        #expect(bob.epochs.current == nil)

        // 10 s later the relay refuses it.
        #expect(events(host.receive(Self.rateLimited(.keyDelivery), now: now + 11)).map(\.name) == ["error"])
        let again = host.tick(now: now + 12)
        let deliveries = sent(again).compactMap { if case .keyDelivery(let d) = $0 { d } else { nil } }
        #expect(deliveries.map(\.epoch) == [2])
        #expect(deliveries.first?.secrets.map(\.memberKey) == [bob.identity.memberKey.publicKey])
        fixture.deliver(again, to: &bob, now: now + 12)
        #expect(bob.epochs.current == 2 && bob.epochs.currentSecret == host.epochs.currentSecret)
        #expect(sent(host.tick(now: now + 13)).isEmpty, "one rekey for the refusal")
    }

    /// Only the keeper rekeys: a listener told that something of its own was rate-limited sends
    /// nothing on its next tick.
    @Test func aListenerDoesNotRekeyOnARefusal() throws {
        let host = fixture.host()
        var bob = try fixture.member("Bob", slot: 2, host: host)
        _ = bob.receive(Self.rateLimited(.keyDelivery), now: now)
        #expect(sent(bob.tick(now: now + 2)).isEmpty)
    }
}
