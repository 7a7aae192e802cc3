import Foundation
import ParlorTestSupport
import Testing

/// The room screen as people use it: `parlor serve`, a host's terminal and a member's terminal
/// (two tmux servers), keys typed, screens read as text. There is no sound card here, so both
/// run on silent devices and must say so. Waits are generous: the machine may be busy.
@Suite(.serialized) struct RoomScreenInTmuxTests {
    static let wait = 30.0
    static let hostName = "Hostname Zoë"
    static let memberName = "Quincy ルー"
    static let speakerName = "Speaker Xavier"

    /// The environment that makes a parlor process read `config` as its config.toml (written
    /// under `dir`); empty for nil, the defaults.
    static func configEnvironment(_ config: String?, in dir: TemporaryDirectory) throws -> [String: String] {
        guard let config else { return [:] }
        let folder = dir.path("config/parlor")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try config.write(toFile: folder + "/config.toml", atomically: true, encoding: .utf8)
        return ["XDG_CONFIG_HOME": dir.path("config")]
    }

    /// A relay process; returns it with the `--server` and `--relay-key` values to reach it.
    static func relay(in dir: TemporaryDirectory) throws -> (process: BackgroundProcess, server: String, key: String) {
        let relay = try BackgroundProcess([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0", "--key-file", dir.path("relay.key")], in: dir)
        let key = try relay.waitForLine(startingWith: "relay key: ")
        let port = try relay.waitForLine(startingWith: "relay ready: 127.0.0.1:")
        return (relay, "127.0.0.1:\(port)", key)
    }

    /// A relay process and a headless host on it; returns both and the room's listen link.
    static func headlessRoom(in dir: TemporaryDirectory) throws -> (relay: BackgroundProcess, host: BackgroundProcess, listenLink: String) {
        let (relay, server, key) = try relay(in: dir)
        let hostEvents = dir.path("host.jsonl")
        let host = try BackgroundProcess([try ParlorBinary.path(), "host", "--headless", "--server", server, "--relay-key", key,
                                          "--events", hostEvents], in: dir, withInput: true)
        let listenLink = try #require(try event("room_created", in: hostEvents)["listen_link"] as? String)
        return (relay, host, listenLink)
    }

    /// The shell command that runs parlor with `arguments`, then says how it exited.
    static func command(_ arguments: [String]) throws -> String {
        ([try ParlorBinary.path()] + arguments).map(quote).joined(separator: " ") + "; echo \"parlor exited $?\""
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The first event named `name` in a JSON-lines file, once it is there.
    static func event(_ name: String, in path: String) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(wait)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["event"] as? String == name {
                    return object
                }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TimedOut(what: "\(name) in \(path)")
    }

    struct TimedOut: Error, CustomStringConvertible {
        let what: String
        var description: String { "timed out waiting for \(what)" }
    }

    /// Waits for `text` on the pane; records the screen when it does not come.
    @discardableResult
    static func expect(_ tmux: Tmux, shows text: String, _ comment: String) throws -> String {
        let screen = try tmux.waitForScreen(timeout: wait) { $0.contains(text) }
        #expect(screen.contains(text), "\(comment): no \"\(text)\" on\n\(screen)")
        return screen
    }

    /// The whole story: a member raises a hand, the host sees it and invites them with Enter, the
    /// member is on stage in both terminals; a headless speaker talks and its glyph lights up;
    /// help opens and closes; the host's terminal is resized; both leave with q, asked first
    /// because they are on stage, and the terminals come back.
    @Test func handRaisedInvitedOnStageTalkingHelpResizeAndLeave() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, server, key) = try Self.relay(in: dir)
        defer { relay.stop() }
        let hostEvents = dir.path("host.jsonl")
        let host = try Tmux(command: try Self.command(["host", "--server", server, "--relay-key", key, "--title", "Friday tea 🫖",
                                                       "--name", Self.hostName, "--events", hostEvents]), width: 80, height: 24)
        defer { host.stop() }
        try Self.expect(host, shows: "Your room is open", "the host's room opens")
        let hostOpen = try host.screen()
        #expect(hostOpen.contains("Friday tea 🫖"), "the title bar shows the title:\n\(hostOpen)")
        // No sound card here: the host, on stage, is told it has no microphone.
        try Self.expect(host, shows: "No microphone", "no microphone is a visible notice for someone on stage")
        #expect(hostOpen.contains("○ \(Self.hostName) (you)  host"))
        let created = try Self.event("room_created", in: hostEvents)
        let listenLink = try #require(created["listen_link"] as? String)
        let speakLink = try #require(created["speak_link"] as? String)
        let safetyCode = try #require(created["safety_code"] as? String)
        #expect(hostOpen.contains("E2E \(safetyCode)"), "the encryption badge shows the safety code:\n\(hostOpen)")

        let member = try Tmux(command: try Self.command(["join", listenLink, "--name", Self.memberName, "--listed"]), width: 80, height: 24)
        defer { member.stop() }
        try Self.expect(member, shows: "You joined Friday tea 🫖", "the member joins")
        let joined = try Self.expect(member, shows: "E2E \(safetyCode)", "the member sees the same safety code")
        #expect(joined.contains(" LISTENING "), "a listener's badge:\n\(joined)")
        #expect(!joined.contains("No microphone"), "a listener never opens the microphone:\n\(joined)")
        #expect(joined.contains("\(Self.memberName) (you)"), "the member is in the audience:\n\(joined)")

        // The member raises a hand; the host sees it first in the hands panel and invites with Enter, Enter.
        try member.send("h", literal: true)
        try Self.expect(member, shows: "LISTENING · HAND UP", "the member's badge shows the hand")
        try Self.expect(host, shows: "1. ✋ \(Self.memberName)", "the host sees the raised hand")
        try host.send("Enter")
        try Self.expect(host, shows: "Invite to the stage", "Enter on the hand opens the moderator's menu")
        try host.send("Enter")
        try Self.expect(host, shows: "○ \(Self.memberName)", "the member is on the host's stage")
        // The role and the hand change by two events, so the screen may show one before the other.
        let hostStage = try host.waitForScreen(timeout: Self.wait) { $0.contains("Stage (2)") && $0.contains("No hands raised") }
        #expect(hostStage.contains("Stage (2)") && hostStage.contains("No hands raised"), "two on stage, the hand went down:\n\(hostStage)")
        let memberStage = try member.waitForScreen(timeout: Self.wait) { $0.contains("○ \(Self.memberName) (you)") && $0.contains(" LIVE ") }
        #expect(memberStage.contains(" LIVE "), "on stage and not muted, the badge is Live:\n\(memberStage)")
        // On stage, the member's microphone is opened: there is none here, and it is told so.
        try Self.expect(member, shows: "No microphone", "the member's microphone opens when it goes on stage")

        // m mutes the member; both terminals show the mute mark.
        try member.send("m", literal: true)
        try Self.expect(member, shows: "× \(Self.memberName) (you)  muted", "the member's own mute mark")
        try Self.expect(member, shows: " MUTED ", "the member's badge")
        try Self.expect(host, shows: "× \(Self.memberName)  muted", "the host sees the mute mark")

        // A headless speaker talks: its talking glyph lights up in both terminals.
        let speaker = try BackgroundProcess([try ParlorBinary.path(), "speak", speakLink, "--input", try SpeechFixture.wav().path,
                                             "--name", Self.speakerName, "--loop"], in: dir)
        defer { speaker.stop() }
        try Self.expect(host, shows: "◉ \(Self.speakerName)", "the host sees the speaker talking")
        try Self.expect(member, shows: "◉ \(Self.speakerName)", "the member sees the speaker talking")

        // ? shows the live bindings; any key closes it.
        try member.send("?", literal: true)
        // The overlay may be caught half drawn: wait for all of it.
        let help = try member.waitForScreen(timeout: Self.wait) { $0.contains("raise or lower your hand") && $0.contains("/invite") }
        #expect(help.contains("─ Help ─") && help.contains("/invite"), "help lists keys and commands:\n\(help)")
        try member.send("Escape")
        let closed = try member.waitForScreen(timeout: Self.wait) { !$0.contains("─ Help ─") }
        #expect(!closed.contains("─ Help ─"), "any key closes the help:\n\(closed)")

        // Resizes: wider uses two columns and an event log; smaller keeps every bar in its place.
        try host.resize(width: 160, height: 48)
        let wide = try host.waitForScreen(timeout: Self.wait) { $0.contains("─ Events ─") && Self.isSane($0, width: 160, height: 48) }
        Self.expectSane(wide, width: 160, height: 48)
        #expect(wide.contains("─ Events ─"), "the wide layout has an event log:\n\(wide)")
        try host.resize(width: 60, height: 20)
        let small = try host.waitForScreen(timeout: Self.wait) { !$0.contains("─ Events ─") && Self.isSane($0, width: 60, height: 20) }
        Self.expectSane(small, width: 60, height: 20)
        #expect(small.contains("Stage (3)") && small.contains("Raised hands"), "the panels are still there:\n\(small)")
        try host.resize(width: 80, height: 24)
        Self.expectSane(try host.waitForScreen(timeout: Self.wait) { Self.isSane($0, width: 80, height: 24) }, width: 80, height: 24)

        // The member leaves with q: on stage, so it is asked first; y leaves and the terminal is back.
        try member.send("q", literal: true)
        try Self.expect(member, shows: "You are on stage. Leave the room?", "q asks a speaker first")
        try member.send("y", literal: true)
        let left = try Self.expect(member, shows: "parlor exited 0", "the member's parlor exits cleanly")
        #expect(!left.contains("Stage ("), "the screen was given back:\n\(left)")
        try Self.expect(host, shows: "\(Self.memberName) left", "the host sees the member leave")

        try host.send("q", literal: true)
        try Self.expect(host, shows: "You are hosting. Leave the room?", "q asks the host first")
        try host.send("n", literal: true)
        let stayed = try host.waitForScreen(timeout: Self.wait) { !$0.contains("Leave the room?") }
        #expect(stayed.contains("Stage ("), "n keeps the host in the room:\n\(stayed)")
        try host.send("q", literal: true)
        try Self.expect(host, shows: "Leave the room?", "asked again")
        try host.send("y", literal: true)
        let hostLeft = try Self.expect(host, shows: "parlor exited 0", "the host's parlor exits cleanly")
        #expect(!hostLeft.contains("Stage ("), "the host's screen was given back:\n\(hostLeft)")
    }

    /// A listener is not asked: q leaves at once; Ctrl-C leaves too and gives the terminal back.
    @Test func aListenerLeavesWithoutBeingAsked() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, host, listenLink) = try Self.headlessRoom(in: dir)
        defer { relay.stop(); host.stop() }
        let member = try Tmux(command: try Self.command(["join", listenLink]), width: 80, height: 24, environment: ["NO_COLOR": "1"])
        defer { member.stop() }
        let joined = try Self.expect(member, shows: "You joined", "the listener joins")
        #expect(joined.contains("member "), "a member without a name shows its short id:\n\(joined)")
        #expect(!(try member.screen(withEscapes: true)).contains("38;5;"), "NO_COLOR: no colours")
        try member.send("q", literal: true)
        let left = try Self.expect(member, shows: "parlor exited 0", "q leaves at once")
        #expect(!left.contains("Leave the room?"))

        let interrupted = try Tmux(command: try Self.command(["join", listenLink]), width: 80, height: 24)
        defer { interrupted.stop() }
        try Self.expect(interrupted, shows: "You joined", "another listener joins")
        try interrupted.send("C-c")
        let stopped = try Self.expect(interrupted, shows: "parlor exited 0", "Ctrl-C leaves cleanly")
        #expect(!stopped.contains("You joined"), "the screen was given back:\n\(stopped)")
    }

    /// When the relay goes away the title bar says the client is reconnecting; q still leaves.
    @Test func aLostRelayShowsReconnectingAndQStillLeaves() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, host, listenLink) = try Self.headlessRoom(in: dir)
        defer { relay.stop(); host.stop() }
        let member = try Tmux(command: try Self.command(["join", listenLink]), width: 80, height: 24)
        defer { member.stop() }
        try Self.expect(member, shows: "You joined", "the listener joins")
        relay.stop()
        try Self.expect(member, shows: " RECONNECTING… ", "the title bar says so")
        try member.send("q", literal: true)
        try Self.expect(member, shows: "parlor exited 0", "q leaves while reconnecting")
    }

    /// The room follows the terminal's colours: the palette on a 256-colour terminal, the eight
    /// basic colours on an 8-colour one (TERM=screen), and the light theme by `--theme`.
    @Test func coloursFollowTheTerminalAndTheTheme() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, server, key) = try Self.relay(in: dir)
        defer { relay.stop() }
        let arguments = ["host", "--server", server, "--relay-key", key, "--title", "Colours"]
        let palette = try Tmux(command: try Self.command(arguments), width: 80, height: 24)
        defer { palette.stop() }
        try Self.expect(palette, shows: "Your room is open", "the room opens")
        let full = try palette.screen(withEscapes: true)
        #expect(full.contains("38;5;222"), "the title in palette colour 222 (#ffd787):\n\(full)")

        let basic = try Tmux(command: try Self.command(arguments + ["--theme", "light"]), width: 80, height: 24, environment: ["TERM": "screen"])
        defer { basic.stop() }
        try Self.expect(basic, shows: "Your room is open", "the room opens on an 8-colour terminal")
        let eight = try basic.screen(withEscapes: true)
        #expect(!eight.contains("38;5;"), "no palette colours on an 8-colour terminal:\n\(eight)")
        #expect(eight.range(of: "\u{1B}\\[[0-9;]*3[0-7][;m]", options: .regularExpression) != nil, "basic colours are used:\n\(eight)")
    }

    /// Programs the tests start never write the person's own files: a `parlor join` started the
    /// way every test starts one (no HOME given) keeps the room it joined in the test's temporary
    /// HOME, and the real `$XDG_DATA_HOME/parlor/rooms.json` and its folder are as they were.
    @Test func testsLeaveThePersonsOwnRoomsAlone() throws {
        let real = TestHome.realRoomsFile
        let realFolder = (real as NSString).deletingLastPathComponent
        func snapshot() -> (Data?, Date?, [String]) {
            let date = (try? FileManager.default.attributesOfItem(atPath: real))?[.modificationDate] as? Date
            let listing = ((try? FileManager.default.contentsOfDirectory(atPath: realFolder)) ?? []).sorted()
            return (FileManager.default.contents(atPath: real), date, listing)
        }
        let before = snapshot()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, host, listenLink) = try Self.headlessRoom(in: dir)
        defer { host.stop(); relay.stop() }
        let member = try Tmux(command: try Self.command(["join", "--name", "Careful", listenLink]), width: 80, height: 24)
        defer { member.stop() }
        try Self.expect(member, shows: "You joined", "the member joins")
        try member.send("q", literal: true)
        try Self.expect(member, shows: "parlor exited 0", "q leaves")

        let sandboxed = try #require(TestHome.sandboxed([:])["XDG_DATA_HOME"]) + "/parlor/rooms.json"
        #expect(sandboxed.hasPrefix(TestHome.path) && !TestHome.path.hasPrefix(ProcessInfo.processInfo.environment["HOME"] ?? "/nonexistent"),
                "the programs' HOME is a temporary folder: \(TestHome.path)")
        let key = try #require(listenLink.split(separator: "#").last.map(String.init))
        let saved = (try? String(contentsOfFile: sandboxed, encoding: .utf8)) ?? ""
        #expect(saved.contains(key), "the room joined is saved in the temporary HOME: \(saved.prefix(300))")
        let after = snapshot()
        #expect(after.0 == before.0 && after.1 == before.1, "the person's own \(real) is untouched")
        #expect(after.2 == before.2, "nothing was added to \(realFolder): \(after.2)")
    }

    /// `parlor join` without a link opens the hallway: a pasted link joins; the room is kept
    /// (owner-only file) and offered next time, where Enter joins it again; "host a new room"
    /// asks for a title and opens it.
    @Test func theHallwayJoinsByLinkAndRemembersTheRoom() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, server, key) = try Self.relay(in: dir)
        defer { relay.stop() }
        let hostEvents = dir.path("host.jsonl")
        let host = try BackgroundProcess([try ParlorBinary.path(), "host", "--headless", "--server", server, "--relay-key", key,
                                          "--title", "Garden ルーム", "--events", hostEvents], in: dir, withInput: true)
        defer { host.stop() }
        let listenLink = try #require(try Self.event("room_created", in: hostEvents)["listen_link"] as? String)
        let config = ["XDG_DATA_HOME": dir.path("data")]

        let first = try Tmux(command: try Self.command(["join", "--name", "Wanderer"]), width: 80, height: 24, environment: config)
        defer { first.stop() }
        try Self.expect(first, shows: "Host a new room", "the hallway opens")
        try first.send("j", literal: true)
        try first.send("Enter")
        try Self.expect(first, shows: "Link: ", "join by link asks for the link")
        try first.send(listenLink, literal: true)
        try first.send("Enter")
        try Self.expect(first, shows: "You joined Garden ルーム", "the pasted link joins")
        try first.send("q", literal: true)
        try Self.expect(first, shows: "parlor exited 0", "q leaves")
        let saved = dir.path("data/parlor/rooms.json")
        let mode = try FileManager.default.attributesOfItem(atPath: saved)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the saved links are the owner's alone")

        let second = try Tmux(command: try Self.command(["join"]), width: 80, height: 24, environment: config)
        defer { second.stop() }
        try Self.expect(second, shows: "Garden ルーム  on \(server)", "the room is offered again")
        try second.send("j", literal: true)
        try second.send("j", literal: true)
        try second.send("Enter")
        try Self.expect(second, shows: "You joined Garden ルーム", "Enter joins the saved room")
        try second.send("q", literal: true)
        try Self.expect(second, shows: "parlor exited 0", "q leaves")

        // Host a room from the hallway: a title, then the room on a relay inside the process.
        let third = try Tmux(command: try Self.command(["join", "--name", "Night Owl"]), width: 80, height: 24, environment: config)
        defer { third.stop() }
        try Self.expect(third, shows: "Host a new room", "the hallway opens")
        try third.send("Enter")
        try Self.expect(third, shows: "Title: ", "hosting asks for a title")
        try third.send("Night owls 🦉", literal: true)
        try third.send("Enter")
        let hosted = try Self.expect(third, shows: "Your room is open", "the new room opens")
        #expect(hosted.contains("Night owls 🦉") && hosted.contains("○ Night Owl (you)  host"), "\(hosted)")
        try third.send("q", literal: true)
        try third.send("y", literal: true)
        try Self.expect(third, shows: "parlor exited 0", "the host leaves")
    }

    /// Every row fits the width, the title bar is on top and the status line on the last row.
    static func isSane(_ screen: String, width: Int, height: Int) -> Bool {
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).prefix(height)
        return rows.count == height && rows.allSatisfy { Self.width($0) <= width }
            && rows.first?.hasPrefix(" Parlor · ") == true && rows.last?.hasPrefix(" RTT ") == true
    }

    static func expectSane(_ screen: String, width: Int, height: Int) {
        #expect(isSane(screen, width: width, height: height), "not a sane \(width)×\(height) room screen:\n\(screen)")
    }

    /// Columns a captured row takes (wide characters count two).
    static func width(_ row: Substring) -> Int {
        row.unicodeScalars.reduce(0) { total, scalar in
            let v = scalar.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0x1F300...0x1FAFF).contains(v) || v == 0x270B
            return total + (wide ? 2 : (v == 0xFE0F ? 0 : 1))
        }
    }
}
