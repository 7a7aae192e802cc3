import Foundation
import ParlorTestSupport
import Testing

/// What `make demo` opens, driven in tmux as a newcomer would: the host's room with a demo speaker
/// who talks and an audience where a hand goes up; Enter twice invites them; q, y leaves and
/// nothing the demo started is left running.
@Suite(.serialized) struct DemoTests {
    @Test func theDemoRoomTalksAHandGoesUpAndLeavingStopsEverything() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let speech = try SpeechFixture.wav().path
        let host = try Tmux(command: try RoomScreenInTmuxTests.command(["host", "--title", "Parlor demo", "--name", "You", "--demo", speech]),
                            width: 100, height: 30)
        defer { host.stop() }
        try RoomScreenInTmuxTests.expect(host, shows: "◉ Ada (demo speaker)", "the demo speaker talks")
        let raised = try RoomScreenInTmuxTests.expect(host, shows: "✋ Noor", "a listener raises a hand")
        #expect(raised.contains("Mateo") && raised.contains("Ingrid"), "the listed audience is named:\n\(raised)")
        try host.send("Enter")
        try host.send("Enter")
        let screen = try RoomScreenInTmuxTests.expect(host, shows: "Stage (3)", "Noor comes on stage")
        #expect(screen.contains("○ Noor") || screen.contains("◉ Noor"), "Noor is on stage:\n\(screen)")
        #expect(screen.contains("Audience (2)"))
        try host.send("q")
        try host.send("y")
        try RoomScreenInTmuxTests.expect(host, shows: "parlor exited 0", "leaving ends the demo")
        // pgrep exits 1 when nothing matches (and 2 on a bad pattern, which would prove nothing).
        let left = try Command.runAllowingFailure(["pgrep", "-f", "host --title Parlor demo"])
        #expect(left.status == 1, "no demo process is left: \(left.stdout) \(left.stderr)")
    }
}
