import Foundation
import ParlorTestSupport
import Testing

/// The host's terminal rings its bell when a listener raises a hand: tmux's `alert-bell` hook
/// (bell-action any) records it; with `bell = false` in config.toml it does not ring.
@Suite(.serialized) struct RoomBellInTmuxTests {
    @Test func aRaisedHandRingsTheHostsBellUnlessTurnedOff() throws {
        #expect(try rings(config: nil) == true, "the bell is on by default")
        #expect(try rings(config: "bell = false\n") == false, "config.toml's bell = false silences it")
    }

    /// Whether the host's pane rang when a headless listener raised its hand.
    func rings(config: String?) throws -> Bool {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, server, key) = try RoomScreenInTmuxTests.relay(in: dir)
        defer { relay.stop() }
        let environment = try RoomScreenInTmuxTests.configEnvironment(config, in: dir)
        let events = dir.path("host.jsonl")
        let host = try Tmux(command: try RoomScreenInTmuxTests.command(["host", "--server", server, "--relay-key", key, "--title", "Bells",
                                                                        "--name", "Host", "--events", events]),
                            width: 80, height: 24, environment: environment)
        defer { host.stop() }
        let rang = dir.path("rang")
        try host.run(["set-option", "-g", "bell-action", "any"])
        try host.run(["set-hook", "-g", "alert-bell", "run-shell \"touch '\(rang)'\""])
        try RoomScreenInTmuxTests.expect(host, shows: "Your room is open", "the room opens")
        let link = try #require(try RoomScreenInTmuxTests.event("room_created", in: events)["listen_link"] as? String)
        let listener = try BackgroundProcess([try ParlorBinary.path(), "listen", link, "--name", "Curious", "--no-audio"],
                                             in: dir, withInput: true)
        defer { listener.stop() }
        _ = try listener.waitForLine(containing: "\"joined\"")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!FileManager.default.fileExists(atPath: rang), "nothing rang before the hand")
        listener.send("{\"command\":\"raise_hand\"}")
        try RoomScreenInTmuxTests.expect(host, shows: "Curious raised a hand", "the host sees the hand")
        Thread.sleep(forTimeInterval: 1)
        return FileManager.default.fileExists(atPath: rang)
    }
}
