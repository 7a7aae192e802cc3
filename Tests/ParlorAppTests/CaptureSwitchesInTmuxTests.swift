import Foundation
import ParlorTestSupport
import Testing

/// The capture chain's switches reach the room: the host (on stage) sees on its status line what
/// runs on its microphone — everything by default; with `--no-echo-cancel` on the command line
/// and `agc = false` in config.toml, both of those off.
@Suite(.serialized) struct CaptureSwitchesInTmuxTests {
    @Test func theStatusLineShowsWhatTheSwitchesLeaveOn() throws {
        try expectStatus(arguments: [], config: nil, shows: "AEC NS AGC")
        try expectStatus(arguments: ["--no-echo-cancel"], config: "agc = false\n", shows: "AEC off NS AGC off")
    }

    func expectStatus(arguments: [String], config: String?, shows status: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, server, key) = try RoomScreenInTmuxTests.relay(in: dir)
        defer { relay.stop() }
        let environment = try RoomScreenInTmuxTests.configEnvironment(config, in: dir)
        let host = try Tmux(command: try RoomScreenInTmuxTests.command(["host", "--server", server, "--relay-key", key, "--title", "Switches",
                                                                        "--name", "Host"] + arguments),
                            width: 100, height: 24, environment: environment)
        defer { host.stop() }
        try RoomScreenInTmuxTests.expect(host, shows: "Your room is open", "the room opens")
        try RoomScreenInTmuxTests.expect(host, shows: "dB  \(status)", "the status line shows \(status)")
    }
}
