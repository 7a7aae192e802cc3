import Foundation
import ParlorTestSupport
import Testing

/// Chat in two real terminals (tmux, 80×24, one under NO_COLOR) on a relay process: the host and
/// a member write to each other with names, wide characters and all; a reaction appears beside
/// the host and fades; the host deletes the member's message on both screens; the pane scrolls.
@Suite(.serialized) struct RoomChatInTmuxTests {
    typealias T = RoomScreenInTmuxTests

    @Test func twoMembersChatReactDeleteAndScroll() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, server, key) = try T.relay(in: dir)
        defer { relay.stop() }
        let events = dir.path("host.jsonl")
        let host = try Tmux(command: try T.command(["host", "--server", server, "--relay-key", key, "--title", "Chat room",
                                                    "--name", "Hostname Zoë", "--events", events]), width: 80, height: 24)
        defer { host.stop() }
        try T.expect(host, shows: "Your room is open", "the host's room opens")
        let link = try #require(try T.event("room_created", in: events)["listen_link"] as? String)
        let member = try Tmux(command: try T.command(["join", link, "--name", "Quincy ルー"]), width: 80, height: 24,
                              environment: ["NO_COLOR": "1"])
        defer { member.stop() }
        try T.expect(member, shows: "You joined Chat room", "the member joins")
        try T.expect(host, shows: "No messages yet; c writes", "an empty chat pane")

        // The member writes; both see it, named.
        try member.send("c", literal: true)
        try T.expect(member, shows: "say: █", "c opens the line")
        try member.send("Hello from the audience 🌷", literal: true)
        try member.send("Enter")
        try T.expect(member, shows: "You: Hello from the audience 🌷", "the member sees its own message")
        try T.expect(host, shows: "Quincy ルー: Hello from the audience 🌷", "the host sees it, named")

        // The host answers; the member sees the host's name.
        try host.send("c", literal: true)
        try host.send("Welcome, 世界", literal: true)
        try host.send("Enter")
        try T.expect(member, shows: "Hostname Zoë: Welcome, 世界", "the member sees the host's answer")

        // A reaction beside the host on the member's stage panel, gone a few seconds later.
        try host.send("1", literal: true)
        let clapped = try member.waitForScreen(timeout: T.wait) { screen in
            screen.split(separator: "\n").contains { $0.contains("Hostname Zoë") && $0.contains("👏") && !$0.contains(":") }
        }
        #expect(clapped.split(separator: "\n").contains { $0.contains("Hostname Zoë") && $0.contains("👏") }, "\(clapped)")
        let faded = try member.waitForScreen(timeout: 10) { !$0.contains("👏") }
        #expect(!faded.contains("👏"), "the reaction fades:\n\(faded)")

        // The host deletes the member's message (number 1 on its screen) for everyone.
        try T.expect(host, shows: "[1] ", "the host sees message numbers")
        try host.send("/", literal: true)
        try host.send("delete 1", literal: true)
        try host.send("Enter")
        try T.expect(member, shows: "You: (deleted by Hostname Zoë)", "deleted on the member's screen")
        try T.expect(host, shows: "Quincy ルー: (deleted by You)", "and on the host's")
        #expect(!(try member.screen()).contains("Hello from the audience"))

        // Enough messages to scroll: the newest show, PgUp brings back the oldest.
        for n in 1...9 {
            try host.send("c", literal: true)
            try host.send("line \(n) of the story", literal: true)
            try host.send("Enter")
        }
        let newest = try T.expect(member, shows: "line 9 of the story", "the newest message shows")
        #expect(!newest.contains("Welcome, 世界"), "older lines scrolled out of the pane:\n\(newest)")
        try member.send("PPage")
        try member.send("PPage")
        try member.send("PPage")
        let back = try T.expect(member, shows: "Welcome, 世界", "PgUp scrolls back")
        #expect(back.contains("lines back"))

        // 80×24 under NO_COLOR: no colour escapes, and the key hints still fit on the last rows.
        #expect(!(try member.screen(withEscapes: true)).contains("38;5;"), "NO_COLOR: no colours")
        let rows = try member.screen().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows.contains { $0.contains("c chat") && $0.contains("q leave") }, "the hints fit at 80 columns:\n\(rows.joined(separator: "\n"))")
        let hostEvents = try String(contentsOfFile: events, encoding: .utf8)
        #expect(hostEvents.contains("\"event\":\"chat\"") && hostEvents.contains("\"event\":\"chat_deleted\""), "the events file has the chat")
    }
}
