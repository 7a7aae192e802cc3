import ParlorClient
import Testing
@testable import ParlorTUI

/// The hallway's memory on state values: forgetting a saved room (asked first), the marks a
/// visit leaves, and a relay probe's answer over them.
@Suite struct HallwayMemoryTests {
    static let garden = SavedRoom(title: "Garden ルーム", link: "parlor://10.0.0.1:7700/#AQgarden")
    static let attic = SavedRoom(title: "Attic", link: "parlor://10.0.0.2:7700/#AQattic", mark: .linkRevoked)
    static let cellar = SavedRoom(title: "Cellar", link: "parlor://10.0.0.3:7700/#AQcellar", mark: .relayUnreachable)

    @Test func dAsksThenForgetsTheSelectedRoomOnly() {
        var hallway = Hallway(saved: [Self.garden, Self.attic])
        #expect(hallway.update(key: .character("d")).isEmpty, "d on “host a room” does nothing")
        #expect(hallway.forgetting == nil)
        _ = hallway.update(key: .down)
        _ = hallway.update(key: .down)
        #expect(hallway.render(width: 80, height: 24).text.contains("d forget"))
        #expect(hallway.update(key: .character("d")).isEmpty, "asking changes nothing yet")
        #expect(hallway.forgetting == Self.garden)
        #expect(hallway.render(width: 80, height: 24).text.contains("Forget “Garden ルーム”?"))
        _ = hallway.update(key: .character("n"))
        #expect(hallway.saved == [Self.garden, Self.attic], "n keeps it")
        _ = hallway.update(key: .delete)
        #expect(hallway.update(key: .character("y")) == [.forget(Self.garden)])
        #expect(hallway.saved == [Self.attic])
        #expect(!hallway.render(width: 80, height: 24).text.contains("Garden"))
        // The selection stays on a real entry after the last one goes.
        _ = hallway.update(key: .down)
        _ = hallway.update(key: .character("d"))
        _ = hallway.update(key: .character("y"))
        #expect(hallway.saved.isEmpty && hallway.entries.count == 2)
        _ = hallway.update(key: .enter)
        #expect(hallway.prompt != nil, "the selection is on a real entry")
    }

    @Test func marksAreShownAndAProbesAnswerWins() {
        var hallway = Hallway(saved: [Self.garden, Self.attic, Self.cellar])
        let text = hallway.render(width: 100, height: 24).text
        #expect(text.contains("Attic  on 10.0.0.2:7700 · link replaced by the host: ask for a new one"))
        #expect(text.contains("Cellar  on 10.0.0.3:7700 · relay not answering"))
        #expect(text.contains("Garden ルーム  on 10.0.0.1:7700\n") || !text.contains("Garden ルーム  on 10.0.0.1:7700 ·"))
        _ = hallway.update(event: .relayProbed(relay: "10.0.0.3:7700", answers: true))
        _ = hallway.update(event: .relayProbed(relay: "10.0.0.1:7700", answers: false))
        _ = hallway.update(event: .relayProbed(relay: "10.0.0.2:7700", answers: true))
        #expect(hallway.mark(of: Self.cellar) == nil, "the relay answers again")
        #expect(hallway.mark(of: Self.garden) == .relayUnreachable)
        #expect(hallway.mark(of: Self.attic) == .linkRevoked, "a replaced link stays replaced on a live relay")
    }

    @Test func aVisitMarksReplacedLinksAndSilentRelaysOnly() {
        #expect(SavedRoomMark.after(joined: true, errorCodes: [], exit: .left) == .clear)
        #expect(SavedRoomMark.after(joined: false, errorCodes: ["link_revoked"], exit: .failed("refused")) == .mark(.linkRevoked))
        #expect(SavedRoomMark.after(joined: false, errorCodes: [], exit: .failed("connection refused")) == .mark(.relayUnreachable))
        #expect(SavedRoomMark.after(joined: false, errorCodes: ["banned"], exit: .failed("refused")) == .unchanged)
        #expect(SavedRoomMark.after(joined: false, errorCodes: [], exit: .left) == .unchanged, "left before joining")
    }
}
