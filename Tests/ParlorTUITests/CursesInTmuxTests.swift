import ParlorTestSupport
import Testing

/// The real ncurses backend in a real terminal (tmux), driven as a person would: `parlor keys`
/// draws a UTF-8 box, reads a wide character typed at it, and gives the terminal back on `q`.
@Suite(.serialized) struct CursesInTmuxTests {
    @Test func drawsAUTF8BoxAndReadsAWideCharacter() throws {
        let tmux = try Tmux(command: "\(try ParlorBinary.path()) keys", width: 80, height: 24)
        defer { tmux.stop() }
        let first = try tmux.waitForScreen { $0.contains("Parlor key names") }
        #expect(first.contains("┌─ Parlor key names ─"), "box not drawn in UTF-8:\n\(first)")
        #expect(first.contains("│ Press keys"))

        try tmux.send("é", literal: true)
        let afterE = try tmux.waitForScreen { $0.contains("last: é") }
        #expect(afterE.contains("last: é"), "wide character not read:\n\(afterE)")

        try tmux.send("ル", literal: true)
        try tmux.send("Up")
        let afterUp = try tmux.waitForScreen { $0.contains("last: up") }
        #expect(afterUp.contains("last: up"))
        #expect(afterUp.contains("ル"))

        // A smaller terminal: the box is redrawn to fit (resize reaches the program as a key).
        try tmux.resize(width: 40, height: 12)
        let small = try tmux.waitForScreen { $0.split(separator: "\n").first?.hasSuffix("┐") == true && $0.split(separator: "\n").first!.count == 40 }
        #expect(small.split(separator: "\n").first?.count == 40, "box not redrawn for 40 columns:\n\(small)")
        #expect(small.contains("last: up"))

        try tmux.send("q", literal: true)
        let after = try tmux.waitForScreen { !$0.contains("Parlor key names") }
        #expect(!after.contains("Parlor key names"), "the terminal was not restored on q")
    }

    /// Themes reach the terminal: 256-colour escapes with the default theme, none under NO_COLOR.
    @Test func themeColoursReachTheTerminalAndNoColorRemovesThem() throws {
        let coloured = try Tmux(command: "\(try ParlorBinary.path()) keys", width: 80, height: 24)
        defer { coloured.stop() }
        try coloured.waitForScreen { $0.contains("Parlor key names") }
        let escapes = try coloured.screen(withEscapes: true)
        #expect(escapes.contains("38;5;222"), "title colour #ffd787 → palette 222 expected:\n\(escapes)")

        let plain = try Tmux(command: "\(try ParlorBinary.path()) keys", width: 80, height: 24, environment: ["NO_COLOR": "1"])
        defer { plain.stop() }
        try plain.waitForScreen { $0.contains("Parlor key names") }
        let plainEscapes = try plain.screen(withEscapes: true)
        #expect(!plainEscapes.contains("38;5;"), "NO_COLOR should remove colour:\n\(plainEscapes)")
        #expect(plainEscapes.contains("\u{1B}[1m"), "bold title stays")
    }

    @Test func anUnknownThemeIsAClearError() throws {
        let result = try Command.runAllowingFailure([try ParlorBinary.path(), "keys", "--theme", "nope"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no theme \"nope\""))
    }
}
