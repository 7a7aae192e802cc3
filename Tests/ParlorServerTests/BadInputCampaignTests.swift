import Foundation
import ParlorBench
import ParlorCrypto
import ParlorProtocol
import Testing
@testable import ParlorServer

/// The bad-input campaign (`BadInputCampaign`) against a real relay on loopback while another
/// room is live: every attack is dropped and counted under its reason, the live room's listeners
/// keep hearing their speaker, and the relay ends with only the live room's sessions open.
/// (The single checks — a forged grant refused with `bad_grant`, junk datagrams counted — are in
/// `RelayIntegrationTests` and `MediaPlaneTests`; this composes them under load.)
@Suite(.serialized) struct BadInputCampaignTests {
    static let liveListeners = 8
    /// Every attack of the campaign, in its order, and the drop reason it must be counted under.
    static let expectedReasons: [(attack: String, reason: RelayMetrics.DropReason)] = [
        ("malformed handshake", .handshakeFailed), ("handshake pinning another relay key", .handshakeFailed),
        ("replayed datagram", .replayed), ("datagram behind the replay window", .replayed),
        ("datagram with a forged counter", .unauthenticated), ("datagram for an unknown receiver", .unknownReceiver),
        ("oversize datagram", .oversize), ("oversize control frame", .oversize),
        ("replayed control frame", .unauthenticated), ("forged grant", .unauthenticated),
        ("create_room for another host's room", .unauthenticated), ("join with a forged link credential", .unauthenticated),
        ("control message flood", .rateLimited), ("media flood", .rateLimited), ("member that stops reading", .slowReceiver),
    ]

    @Test func everyAttackIsDroppedAndCountedWhileAnotherRoomKeepsHearingItsSpeaker() async throws {
        var limits = RelayLimits()
        limits.drainSeconds = 0
        let relay = try await RelayServer.start(.init(host: "127.0.0.1", port: 0, key: X25519KeyPair.generate(), limits: limits))
        let port = UInt16(relay.address.port!)
        let live = try LiveRoom(port: port, relayKey: relay.publicKey, listenerCount: Self.liveListeners)
        let liveSessions = Self.liveListeners + 1

        let droppedBefore = Dictionary(uniqueKeysWithValues: RelayMetrics.DropReason.allCases.map { ($0, relay.metrics.value($0)) })
        let attacks = try BadInputCampaign(port: port, relayKey: relay.publicKey) { relay.metrics.prometheusText }.run()
        for attack in attacks {
            print("campaign: \(attack.name): tried \(attack.tried), counted \(attack.counted) as \(attack.reason) (at least \(attack.mustCount))")
            #expect(attack.isCounted, "\(attack.name): tried \(attack.tried), counted \(attack.counted) as \(attack.reason)")
            // A single-shot attack is counted once a try: no more (nothing else counted under its
            // reason while it ran), no less.
            if attack.mustCount == attack.tried { #expect(attack.counted == attack.tried, "\(attack.name): counted \(attack.counted)") }
        }
        // The reason each attack must be counted under, as PROTOCOL and README name them (not as
        // the campaign labels itself).
        #expect(attacks.map(\.name) == Self.expectedReasons.map(\.attack), "the campaign's attacks, in order")
        for (attack, expected) in zip(attacks, Self.expectedReasons) {
            #expect(attack.reason == expected.reason.rawValue, "\(attack.name) counted as \(attack.reason), not \(expected.reason.rawValue)")
        }
        // The relay-wide counters moved by what the attacks were credited with and nothing else:
        // the five attacks that share `unauthenticated` add up to its whole movement, the live
        // room dropped nothing under any reason, and no reason no attack uses moved.
        var credited: [RelayMetrics.DropReason: Int] = [:]
        for (attack, expected) in zip(attacks, Self.expectedReasons) { credited[expected.reason, default: 0] += attack.counted }
        for reason in RelayMetrics.DropReason.allCases {
            let moved = relay.metrics.value(reason) - (droppedBefore[reason] ?? 0)
            print("campaign: dropped \(reason.rawValue) \(moved), credited to attacks \(credited[reason] ?? 0)")
            if reason == .rateLimited || reason == .slowReceiver {
                // Floods are counted until the count stops moving; a few more may land after.
                #expect(moved >= credited[reason] ?? 0 && moved <= (credited[reason] ?? 0) + 10, "\(reason.rawValue) moved \(moved)")
            } else {
                #expect(moved == credited[reason] ?? 0, "\(reason.rawValue) moved \(moved), the attacks were credited \(credited[reason] ?? 0)")
            }
        }

        // Every attacking session is closed; only the live room's remain, well within the limit.
        for _ in 0..<250 where relay.metrics.value(.sessionsOpen) != liveSessions { try await Task.sleep(for: .milliseconds(20)) }
        #expect(relay.metrics.value(.sessionsOpen) == liveSessions)
        // The attackers' rooms (the stalled member's, the flooders') close with their sessions:
        // only the live room is left.
        for _ in 0..<250 where relay.metrics.value(.roomsOpen) != 1 { try await Task.sleep(for: .milliseconds(20)) }
        print("campaign: rooms open \(relay.metrics.value(.roomsOpen))")
        #expect(relay.metrics.value(.roomsOpen) == 1)

        let heard = live.finish()
        print("campaign: live room heard \(heard.received) of \(heard.expected)")
        #expect(heard.received > 0, "the live room heard nothing")
        // README: "the other room heard every frame". Measured 2,272–2,392 of as many in 6 runs
        // (3 with both cores of this 2-core machine busy with other work).
        #expect(heard.received == heard.expected, "live room lost \(heard.expected - heard.received) of \(heard.expected)")
        #expect(heard.expected == heard.framesSent * Self.liveListeners, "every listener was owed every frame: \(heard)")
        #expect(heard.surplus == 0, "frames heard twice: \(heard.surplus)")
        for _ in 0..<250 where relay.metrics.value(.sessionsOpen) != 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(relay.metrics.value(.sessionsOpen) == 0)
        await relay.stop()
    }
}
