import Foundation
import ParlorClient
@testable import ParlorServer
import Testing

/// A real relay whose room rules wait (`forceRulesWait`, as a cluster node's do while it has no
/// lease) and a real `RoomClient`: a join held 10 s and refused as rate-limited is not the end.
@Suite struct RateLimitedJoinTests {
    /// The listener hears `rate_limited` 10 s after it asked, reconnects by itself, and is in the
    /// room once the rules move again; the host sees it come. (Before, the refusal ended its
    /// stay: "the relay refused to let this client in".)
    @Test func aJoinRefusedWhileTheRulesWaitedIsAskedAgain() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let room = try relay.hostRoom()
        let host = try TestMember.host(room, title: "Waiting rules")
        await relay.server.forceRulesWait(true)
        let asked = Date()
        let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Ear"))
        defer {
            listener.client.stop()
            host.client.stop()
        }
        let refused = listener.events.wait(14) { events in
            events.contains { if case .error(code: "rate_limited", _) = $0 { true } else { false } }
        }
        let after = Date().timeIntervalSince(asked)
        #expect(refused, "events: \(listener.events.all.map(\.name))")
        #expect(after >= 9.5 && after < 12, "refused \(after) s after the join")
        #expect(!listener.events.contains("joined"))
        await relay.server.forceRulesWait(false)
        #expect(listener.events.wait(10) { $0.contains { $0.name == "joined" } }, "events: \(listener.events.all.map(\.name))")
        #expect(listener.events.contains("reconnecting"))
        #expect(host.events.wait(5) { $0.contains { $0.name == "member_joined" } })
    }
}
