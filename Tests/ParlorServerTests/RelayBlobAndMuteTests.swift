import Foundation
import ParlorBench
import ParlorCrypto
import ParlorProtocol
import Testing
@testable import ParlorServer

/// Chat and reaction blobs and a speaker's own mute and unmute, through a real relay on loopback.
extension RelayIntegrationTests {
    @Test func aSpeakerUnmutesOnlyItselfAndIsHeardAgain() async throws {
        let relay = try await start()
        let host = try host(relay)
        let speaker = try client(relay)
        _ = try speaker.join(room: keys, grant: try grant(.speaker, for: speaker, by: host.member))
        try speaker.setUpMedia()
        let listener = try client(relay)
        _ = try listener.join(room: keys)
        try listener.setUpMedia()

        try speaker.send(.moderation(Moderation(.action(.mute), target: speaker.memberKey)))
        let muted = try listener.receive { if case .moderation(let m) = $0 { m } else { nil } }
        #expect(muted.act == .action(.mute) && muted.target == speaker.memberKey)
        try speaker.sendMedia([1])
        #expect(try listener.receiveMedia() == nil, "a muted speaker is not forwarded")

        // Nobody turns on someone else's microphone, and a listener has none.
        try host.send(.moderation(Moderation(.unmuteOwn, target: speaker.memberKey)))
        #expect(try host.receive { if case .error(let e) = $0 { e } else { nil } }.code == ErrorMessage.Code.notAllowed.rawValue)
        try listener.send(.moderation(Moderation(.unmuteOwn, target: listener.memberKey)))
        #expect(try listener.receive { if case .error(let e) = $0 { e } else { nil } }.code == ErrorMessage.Code.notAllowed.rawValue)

        try speaker.send(.moderation(Moderation(.unmuteOwn, target: speaker.memberKey)))
        for member in [host, listener, speaker] {
            let unmuted = try member.receive { if case .moderation(let m) = $0, m.act == .unmuteOwn { m } else { nil } }
            #expect(unmuted.target == speaker.memberKey && unmuted.actor == nil)
        }
        try speaker.sendMedia([2])
        #expect(try listener.receiveMedia()?.sframe == [2])
        await relay.stop()
    }

    @Test func aModeratorLowersEveryHandAndAListenerMayNot() async throws {
        let relay = try await start()
        let host = try host(relay)
        let alice = try client(relay), bob = try client(relay)
        for listener in [alice, bob] {
            _ = try listener.join(room: keys)
            try listener.send(.handRaise)
            _ = try listener.receive { if case .handUpdate(let h) = $0, h.raised { h } else { nil } }
        }
        try alice.send(.moderation(Moderation(.action(.lowerEveryHand), target: nil)))
        #expect(try alice.receive { if case .error(let e) = $0 { e } else { nil } }.code == ErrorMessage.Code.notAllowed.rawValue)

        try host.send(.moderation(Moderation(.action(.lowerEveryHand), target: nil)))
        for listener in [alice, bob] {
            let lowered = try listener.receive { if case .handUpdate(let h) = $0, !h.raised { h } else { nil } }
            #expect(lowered.memberKey == listener.memberKey)
        }
        let seenByHost = try (0..<2).map { _ in try host.receive { if case .handUpdate(let h) = $0, !h.raised { h.memberKey } else { nil } } }
        #expect(Set(seenByHost) == [alice.memberKey, bob.memberKey])
        await relay.stop()
    }

    @Test func blobsReachTheRoomAndNameAListenerOnlyToTheHost() async throws {
        let relay = try await start()
        let host = try host(relay)
        let alice = try client(relay)
        _ = try alice.join(room: keys)
        let bob = try client(relay)
        _ = try bob.join(room: keys)

        try alice.send(.blobSend(BlobSend(blob: [0xA1])))
        let toHost = try host.receive { if case .blobDelivery(let b) = $0 { b } else { nil } }
        #expect(toHost == BlobDelivery(memberKey: alice.memberKey, blob: [0xA1]))
        let toBob = try bob.receive { if case .blobDelivery(let b) = $0 { b } else { nil } }
        #expect(toBob == BlobDelivery(memberKey: nil, blob: [0xA1]), "a listener learns no other listener's key")

        try host.send(.blobSend(BlobSend(blob: [0xB2])))
        for listener in [alice, bob] {
            let delivery = try listener.receive { if case .blobDelivery(let b) = $0 { b } else { nil } }
            #expect(delivery == BlobDelivery(memberKey: host.memberKey, blob: [0xB2]))
        }
        // The sender gets no copy of its own blob: the next thing Alice hears is her pong.
        try alice.send(.ping(Ping(nonce: 7)))
        let next = try alice.receive()
        #expect(next == .pong(Pong(nonce: 7)))

        try bob.send(.blobSend(BlobSend(blob: [UInt8](repeating: 0, count: BlobSend.maximumBytes + 1))))
        #expect(try bob.receive { if case .error(let e) = $0 { e } else { nil } }.code == ErrorMessage.Code.malformedMessage.rawValue)
        await relay.stop()
    }

    @Test func blobsAboveTheirRateAreRefused() async throws {
        var limits = RelayLimits()
        limits.drainSeconds = 0
        limits.idleTimeoutSeconds = 600
        limits.blobsPerSecond = 1
        limits.blobBurst = 1
        let relay = try await RelayServer.start(.init(host: "127.0.0.1", port: 0, key: relayKey, limits: limits))
        let host = try host(relay)
        for n in 0..<4 { try host.send(.blobSend(BlobSend(blob: [UInt8(n)]))) }
        // One goes at once and one more a second; the loop above takes far less than 3 s.
        let error = try host.receive { if case .error(let e) = $0 { e } else { nil } }
        #expect(error.code == ErrorMessage.Code.rateLimited.rawValue && error.inReplyTo == 33)
        await relay.stop()
    }
}
