import ParlorClient
import Testing
@testable import ParlorTUI

/// The chat pane and reactions on state values: writing, names and times, wide characters and
/// long lines wrapped, unread counts while hidden, scrolling back, deleting, reactions that fade.
@Suite struct ChatPaneTests {
    typealias F = RoomFixture
    static let ada = MemberInfo(id: F.ada, name: "Radio Ada", role: .speaker)
    static let quincy = MemberInfo(id: F.quincy, name: "Quincy", role: .listener)
    static let sent: UInt64 = 1_800_000_000_000

    static func line(_ n: Int, _ text: String, from: MemberInfo? = ada) -> RoomEvent {
        .chat(.message(ChatLine(id: String(repeating: "\(n % 10)", count: 32), from: from, text: text, sentMilliseconds: sent)))
    }

    @Test func cWritesEnterSendsEscDrops() {
        var screen = F.listenerScreen()
        #expect(screen.update(key: .character("c")).isEmpty)
        for c in "hi 世界" { _ = screen.update(key: .character(c)) }
        #expect(screen.render(width: 80, height: 24).text.contains("say: hi 世界█"))
        #expect(screen.update(key: .character("q")).isEmpty, "q is text while writing, not leave")
        _ = screen.update(key: .backspace)
        #expect(screen.update(key: .enter) == [.perform(.chat(.say("hi 世界")))])
        _ = screen.update(key: .character("c"))
        _ = screen.update(key: .character("x"))
        #expect(screen.update(key: .escape).isEmpty && screen.chat.draft == nil)
        #expect(screen.update(key: .character("1")) == [.perform(.chat(.react(.clap)))])
        #expect(screen.update(key: .character("5")) == [.perform(.chat(.react(.plus)))])
        #expect(screen.run("say  hello ") == [.perform(.chat(.say("hello")))])
        #expect(screen.run("react heart") == [.perform(.chat(.react(.heart)))])
    }

    @Test func messagesShowNameTimeAndWrapWideText() {
        var screen = F.listenerScreen()
        let long = "長い文章です。" + String(repeating: "word ", count: 30) + "end"
        _ = screen.update(event: .room(Self.line(1, long), screen.room))
        _ = screen.update(event: .room(Self.line(2, "from the back", from: nil), screen.room))
        let time = ChatPane.clock(Self.sent)
        let text = screen.render(width: 80, height: 24).text
        #expect(text.contains("│ \(time) Radio Ada: 長い文章です。word word"), "\(text)")
        #expect(text.contains("end"), "the whole long line, wrapped:\n\(text)")
        #expect(text.contains("\(time) Someone in the audience: from the back"))
        for row in text.split(separator: "\n") { #expect(Screen.columns(of: row) <= 80, "\(row)") }
    }

    @Test func hiddenPaneCountsUnreadAndScrollsBack() {
        var screen = F.listenerScreen()
        _ = screen.update(key: .character("t"))
        #expect(!screen.chat.isVisible)
        _ = screen.update(event: .room(Self.line(1, "one"), screen.room))
        _ = screen.update(event: .room(Self.line(2, "two"), screen.room))
        #expect(screen.render(width: 80, height: 24).text.contains("c chat (2 new)"))
        #expect(!screen.render(width: 80, height: 24).text.contains("two"))
        _ = screen.update(key: .character("t"))
        #expect(screen.chat.unread == 0 && screen.render(width: 80, height: 24).text.contains("Radio Ada: two"))
        for n in 3...30 { _ = screen.update(event: .room(Self.line(n, "message \(n)"), screen.room)) }
        var text = screen.render(width: 80, height: 24).text
        #expect(text.contains("message 30") && !text.contains("message 20"))
        _ = screen.update(key: .pageUp)
        _ = screen.update(key: .pageUp)
        text = screen.render(width: 80, height: 24).text
        #expect(text.contains("lines back") && !text.contains("message 30") && text.contains("message 2"), "\(text)")
        _ = screen.update(event: .room(Self.line(31, "new while back"), screen.room))
        #expect(screen.chat.unread == 1)
        _ = screen.update(key: .pageDown)
        _ = screen.update(key: .pageDown)
        #expect(screen.chat.unread == 0 && screen.render(width: 80, height: 24).text.contains("new while back"))
    }

    @Test func moderatorsDeleteByNumber() {
        var screen = F.hostScreen()
        _ = screen.update(event: .room(Self.line(7, "rude"), screen.room))
        #expect(screen.render(width: 80, height: 24).text.contains("[1] "), "moderators see numbers")
        #expect(screen.run("delete 1") == [.perform(.chat(.delete(String(repeating: "7", count: 32))))])
        _ = screen.update(event: .room(.chat(.deleted(id: String(repeating: "7", count: 32),
                                                      by: MemberInfo(id: F.host, name: "Hostname Zoë", role: .host))), screen.room))
        let text = screen.render(width: 80, height: 24).text
        #expect(text.contains("Radio Ada: (deleted by You)") && !text.contains("rude"), "\(text)")
        var listener = F.listenerScreen()
        #expect(listener.run("delete 1").isEmpty && listener.log.last?.isError == true)
    }

    @Test func reactionsShowBesideTheStageAndCountForTheAudienceThenFade() {
        var screen = F.hostScreen()
        _ = screen.update(event: .room(.chat(.reaction(from: Self.ada, .clap)), screen.room))
        _ = screen.update(event: .room(.chat(.reaction(from: Self.quincy, .heart)), screen.room))
        _ = screen.update(event: .room(.chat(.reaction(from: nil, .heart)), screen.room))
        var text = screen.render(width: 80, height: 24).text
        #expect(text.split(separator: "\n").contains { $0.contains("Radio Ada") && $0.contains("👏") }, "\(text)")
        #expect(text.contains("Audience (5) · ❤️ 2"), "\(text)")
        _ = screen.tick(milliseconds: ChatPane.reactionMilliseconds - 100)
        #expect(screen.render(width: 80, height: 24).text.contains("👏"))
        _ = screen.tick(milliseconds: 200)
        text = screen.render(width: 80, height: 24).text
        #expect(!text.contains("👏") && !text.contains("❤️"), "faded:\n\(text)")
    }

    @Test func theHostsSettingStopsTheFace() {
        var screen = F.listenerScreen()
        var room = screen.room
        room.chatPolicy = .stage
        _ = screen.update(event: .room(.chat(.policy(.stage)), room))
        _ = screen.update(key: .character("c"))
        #expect(screen.chat.draft == nil && screen.log.last?.text == "Only people on stage may write now")
        #expect(screen.render(width: 80, height: 24).text.contains("Chat · stage only"))
        #expect(screen.run("chat off") == [.perform(.chat(.setPolicy(.off)))], "the session decides who may set it")
    }
}
