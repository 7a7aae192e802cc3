import Foundation
import ParlorTestSupport
import Testing

/// The invite-links page in a real terminal (tmux): `y` sends OSC 52, which tmux with
/// `set-clipboard on` takes into its paste buffer, and the link stands on the pane as one wrapped
/// line, so `capture-pane -J` (and a mouse selection) gets it whole.
@Suite(.serialized) struct RoomLinksInTmuxTests {
    @Test func yCopiesTheLinkThroughOSC52AndTheLinkIsOneWrappedLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, server, key) = try RoomScreenInTmuxTests.relay(in: dir)
        defer { relay.stop() }
        let events = dir.path("host.jsonl")
        let host = try Tmux(command: try RoomScreenInTmuxTests.command(["host", "--server", server, "--relay-key", key, "--title", "Links",
                                                                        "--name", "Host", "--events", events]), width: 80, height: 24)
        defer { host.stop() }
        try host.run(["set-option", "-s", "set-clipboard", "on"])
        try RoomScreenInTmuxTests.expect(host, shows: "Your room is open", "the room opens")
        let created = try RoomScreenInTmuxTests.event("room_created", in: events)
        let listen = try #require(created["listen_link"] as? String)
        let speak = try #require(created["speak_link"] as? String)
        #expect(listen.count > 80, "a link longer than a row (\(listen.count))")

        try host.send("i")
        try RoomScreenInTmuxTests.expect(host, shows: "y copies the selected link", "the links page opens")
        let joined = try host.run(["capture-pane", "-p", "-J", "-t", host.session]).stdout
        #expect(joined.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == listen },
                "the listen link whole on one joined line:\n\(joined)")
        #expect(joined.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == speak }, "and the speak link")

        try host.send("y")
        try RoomScreenInTmuxTests.expect(host, shows: "Copied the listen link", "the copy is confirmed")
        let deadline = Date().addingTimeInterval(5)
        var buffer = ""
        while Date() < deadline {
            buffer = (try? host.run(["show-buffer"]).stdout) ?? ""
            if buffer == listen { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(buffer == listen, "tmux's buffer holds the listen link from OSC 52: \(buffer)")
        try host.send("Down")
        try host.send("y")
        try RoomScreenInTmuxTests.expect(host, shows: "Copied the speak link", "the speak link is copied")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try host.run(["show-buffer"]).stdout == speak)
        try host.send("Escape")
        let closed = try host.waitForScreen(timeout: 10) { !$0.contains("y copies the selected link") }
        #expect(!closed.contains(String(listen.prefix(40))), "closed:\n\(closed)")
    }
}
