import Foundation
import NIOCore
import NIOEmbedded
import ParlorBench
@testable import ParlorCrypto
import ParlorProtocol
import Testing
@testable import ParlorServer

/// Rule changes held while a room's rules wait: a `RelayCore` whose wait is forced
/// (`rulesWaitOverride`, as a late lease renewal makes it in a cluster), its sessions on embedded
/// channels and its time on an embedded loop, so the 10 s bound is stepped through, not slept.
@Suite struct RelayRulesWaitTests {
    /// One session: its channel (what the relay sends it) and the keys its joins are made with.
    struct Member {
        let id: SessionID
        let channel: EmbeddedChannel
        let key: Ed25519SigningKey
        let boxKey: [UInt8]
        let handshakeHash: [UInt8]

        var memberKey: [UInt8] { key.publicKey }

        /// Everything the relay sent this session since last asked.
        func received() throws -> [ControlMessage] {
            var messages: [ControlMessage] = []
            while let message = try channel.readOutbound(as: ControlMessage.self) { messages.append(message) }
            return messages
        }
    }

    /// A relay core with a room: its host and two listeners in; `waiting` is its rules' wait.
    final class Relay {
        let loop = EmbeddedEventLoop()
        let metrics = RelayMetrics()
        let core: RelayCore
        let room = try! BenchRoom()
        var waiting = false

        init() {
            core = RelayCore(limits: RelayLimits(), metrics: metrics, log: .silent, udpPort: 0, loop: loop,
                             unixTime: { UInt64(Date().timeIntervalSince1970) })
            core.rulesWaitOverride = { [unowned self] _ in self.waiting }
        }

        func connect(_ key: Ed25519SigningKey = .generate()) throws -> Member {
            let channel = EmbeddedChannel(loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let id = try #require(core.open(channel: channel, now: 0))
            let hash = (0..<32).map { _ in UInt8.random(in: 0...255) }
            core.established(id, .init(handshakeHash: hash, mediaKeys: try MediaKeys(chainingKey: hash, isClient: false),
                                       initialPayload: []))
            return Member(id: id, channel: channel, key: key, boxKey: X25519KeyPair.generate().publicKey, handshakeHash: hash)
        }

        func send(_ message: ControlMessage, from member: Member) {
            core.receive(message, from: member.id, now: 0)
        }

        func joinMessage(_ member: Member) -> Join {
            Join(roomID: room.roomID, signingKey: member.key, boxKey: member.boxKey, handshakeHash: member.handshakeHash,
                 link: member.memberKey == room.host.publicKey ? nil : room.listenLink)
        }

        /// A new session joined as listener (or created the room, for the host's key).
        func joined(_ key: Ed25519SigningKey = .generate()) throws -> Member {
            let member = try connect(key)
            if key.publicKey == room.host.publicKey {
                send(.createRoom(CreateRoom(roomID: room.roomID, hostKey: key.publicKey, listed: false, directoryTitle: nil,
                                            charter: room.charter)), from: member)
            }
            send(.join(joinMessage(member)), from: member)
            #expect(try member.received().contains { if case .joined = $0 { true } else { false } })
            return member
        }

        /// The host's key delivery for `epoch` to `recipients`.
        func delivery(_ epoch: UInt64, to recipients: [Member]) throws -> KeyDelivery {
            let statement = try EpochStatement(roomID: room.roomID, epoch: epoch, secret: RoomKeys.newEpochSecret(),
                                               recipients: recipients.map { ($0.memberKey, $0.boxKey) }, signer: room.host)
            let authority = try Grant(roomID: room.roomID, memberKey: room.host.publicKey, role: .moderator,
                                      expiry: UInt64(Date().timeIntervalSince1970) + 60, signer: room.host)
            return KeyDelivery(epoch: epoch, secrets: recipients.map { SealedEpochSecret(memberKey: $0.memberKey, sealedSecret: [UInt8](repeating: 1, count: 80)) },
                               statement: statement, authority: authority)
        }

        func advance(_ seconds: Double) {
            loop.advanceTime(by: .milliseconds(Int64(seconds * 1000)))
        }
    }

    static func errors(_ messages: [ControlMessage]) -> [ErrorMessage] {
        messages.compactMap { if case .error(let error) = $0 { error } else { nil } }
    }

    /// During the wait the host bans a listener, a newcomer asks to join and the host hands the
    /// next epoch to everyone left, newcomer included: nothing is refused, nothing applied; once
    /// the rules may change, all three are, in the order they came (the key delivery finds the
    /// newcomer in the room, the ban before both).
    @Test func ruleChangesAndJoinsDuringTheWaitAreAppliedInOrderWhenItEnds() throws {
        let relay = Relay()
        let host = try relay.joined(relay.room.host)
        let listener = try relay.joined()
        let banned = try relay.joined()
        _ = try host.received()
        _ = try listener.received()

        relay.waiting = true
        relay.send(.moderation(Moderation(.action(.ban), target: banned.memberKey)), from: host)
        let newcomer = try relay.connect()
        relay.send(.join(relay.joinMessage(newcomer)), from: newcomer)
        relay.send(.keyDelivery(try relay.delivery(2, to: [host, listener, newcomer])), from: host)
        relay.advance(5)
        for member in [host, listener, banned, newcomer] {
            #expect(try member.received().isEmpty, "held while the rules wait: nothing applied, nothing refused")
        }

        relay.waiting = false
        relay.advance(0.25)
        // The host sees listeners come and go (listeners see only the stage's).
        let heard = try host.received()
        let left = heard.firstIndex { if case .memberLeft(let left) = $0 { left.memberKey == banned.memberKey } else { false } }
        let arrived = heard.firstIndex { if case .memberJoined(let joined) = $0 { joined.member.memberKey == newcomer.memberKey } else { false } }
        let keys = heard.firstIndex { if case .keyDelivery(let delivery) = $0 { delivery.epoch == 2 } else { false } }
        let order = [left, arrived, keys].compactMap { $0 }
        #expect(order.count == 3, "all three applied: \(heard.map(\.type.name))")
        #expect(order == order.sorted(), "in the order they came: \(heard.map(\.type.name))")
        #expect(try listener.received().contains { if case .keyDelivery(let delivery) = $0 { delivery.epoch == 2 } else { false } })
        let newcomerHeard = try newcomer.received()
        #expect(newcomerHeard.contains { if case .keyDelivery(let delivery) = $0 { delivery.epoch == 2 } else { false } },
                "the key delivery came after the join it follows: \(newcomerHeard.map(\.type.name))")
        #expect(Self.errors(heard).isEmpty)
        #expect(relay.metrics.value(.rateLimited) == 0)
    }

    /// A rule change held through 10 s of waiting is refused `rate_limited` (and counted), and
    /// not applied afterwards.
    @Test func aRuleChangeHeldForTenSecondsIsRefusedRateLimited() throws {
        let relay = Relay()
        let host = try relay.joined(relay.room.host)
        let listener = try relay.joined()
        _ = try host.received()

        relay.waiting = true
        relay.send(.moderation(Moderation(.action(.ban), target: listener.memberKey)), from: host)
        relay.advance(9.75)
        #expect(try host.received().isEmpty, "still held at 9.75 s")
        relay.advance(0.5)
        let refusals = Self.errors(try host.received())
        #expect(refusals.map(\.code) == [ErrorMessage.Code.rateLimited.rawValue])
        #expect(refusals.first?.inReplyToType == .moderation)
        #expect(relay.metrics.value(.rateLimited) == 1)

        relay.waiting = false
        relay.advance(1)
        #expect(!(try host.received()).contains { if case .memberLeft = $0 { true } else { false } }, "the refused ban is not applied")
        #expect(!(try listener.received()).contains { if case .moderation = $0 { true } else { false } })
    }

    /// A member flooding the hold gets `rate_limited` past its 8 held requests, and a room's
    /// members past the room's 256; a session that closes takes its held requests with it (its
    /// share of the room's bound is free again).
    @Test func theHoldIsBoundedPerSessionAndPerRoomAndForgetsAClosedSession() throws {
        let relay = Relay()
        _ = try relay.joined(relay.room.host)
        let flooders = try (0..<(RuleChangeHold.maxPerRoom / RuleChangeHold.maxPerSession + 1)).map { _ in try relay.joined() }
        for flooder in flooders { _ = try flooder.received() }
        relay.waiting = true
        let request = ControlMessage.moderation(Moderation(.action(.lowerEveryHand), target: nil))

        for _ in 0...RuleChangeHold.maxPerSession { relay.send(request, from: flooders[0]) }
        #expect(Self.errors(try flooders[0].received()).map(\.code) == [ErrorMessage.Code.rateLimited.rawValue],
                "the 9th request of one session refused, the 8 before held")
        for flooder in flooders.dropFirst().dropLast() {
            for _ in 0..<RuleChangeHold.maxPerSession { relay.send(request, from: flooder) }
            #expect(Self.errors(try flooder.received()).isEmpty)
        }
        let last = flooders.last!
        relay.send(request, from: last)
        #expect(Self.errors(try last.received()).map(\.code) == [ErrorMessage.Code.rateLimited.rawValue], "the room's 257th refused")
        #expect(relay.metrics.value(.rateLimited) == 2)

        relay.core.close(flooders[0].id)
        relay.send(request, from: last)
        #expect(Self.errors(try last.received()).isEmpty, "a closed session's held requests dropped: room for one more")
        relay.advance(0.25)
        #expect(Self.errors(try last.received()).isEmpty, "still held")
    }
}
