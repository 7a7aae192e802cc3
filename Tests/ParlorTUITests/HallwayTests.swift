import Testing
@testable import ParlorTUI
import ParlorClient

/// The hallway on state values: entries, the input line, the choice it finishes with.
@Suite struct HallwayTests {
    static let garden = SavedRoom(title: "Garden ルーム", link: "parlor://relay.example.org:7700/#AQgarden")

    @Test func savedRoomsFollowHostAndJoinAndEnterJoinsOne() {
        var hallway = Hallway(saved: [Self.garden])
        #expect(hallway.entries == [.host, .joinByLink, .saved(Self.garden)])
        let text = hallway.render(width: 80, height: 24).text
        #expect(text.contains("│▸+ Host a new room"), "\(text)")
        #expect(text.contains("│   Garden ルーム  on relay.example.org:7700"), "\(text)")
        _ = hallway.update(key: .down)
        _ = hallway.update(key: .character("j"))
        _ = hallway.update(key: .character("j"))
        _ = hallway.update(key: .enter)
        #expect(hallway.choice == .join(link: Self.garden.link))
        #expect(hallway.isFinished)
    }

    @Test func hostingAsksForATitle() {
        var hallway = Hallway(saved: [])
        _ = hallway.update(key: .enter)
        #expect(hallway.prompt == .title(""))
        for c in "Tea 🫖x" { _ = hallway.update(key: .character(c)) }
        _ = hallway.update(key: .backspace)
        #expect(hallway.render(width: 80, height: 24).text.contains("Title: Tea 🫖█"))
        _ = hallway.update(key: .enter)
        #expect(hallway.choice == .host(title: "Tea 🫖"))

        var untitled = Hallway(saved: [])
        _ = untitled.update(key: .enter)
        _ = untitled.update(key: .enter)
        #expect(untitled.choice == .host(title: Hallway.defaultTitle))
    }

    @Test func aLinkMustLookLikeOne() {
        var hallway = Hallway(saved: [])
        _ = hallway.update(key: .down)
        _ = hallway.update(key: .enter)
        for c in "https://example.org" { _ = hallway.update(key: .character(c)) }
        _ = hallway.update(key: .enter)
        #expect(hallway.choice == nil)
        #expect(hallway.render(width: 80, height: 24).text.contains("A link starts with parlor://"))
        _ = hallway.update(key: .escape)
        #expect(hallway.prompt == nil)
        _ = hallway.update(key: .character("q"))
        #expect(hallway.isFinished && hallway.choice == nil)
    }
}

@Suite struct HallwayPublicRoomTests {
    @Test func publicRoomsAreListedAndEnterJoinsThem() {
        let room = PublicRoom(title: "Open mic", link: "parlor://relay.example.org:7700/#AQ", members: 12)
        var hallway = Hallway(saved: [], listed: [room], directoryRelay: "relay.example.org:7700")
        let text = hallway.render(width: 80, height: 24).text
        #expect(text.contains("◇ Open mic  12 in the room, public on relay.example.org:7700"))
        _ = hallway.update(key: .down)
        _ = hallway.update(key: .down)
        _ = hallway.update(key: .enter)
        #expect(hallway.choice == .join(link: room.link))
        let empty = Hallway(saved: [], listed: [], directoryRelay: "relay.example.org:7700").render(width: 80, height: 24).text
        #expect(empty.contains("No public rooms on relay.example.org:7700"))
    }
}
