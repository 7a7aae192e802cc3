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

        try tmux.send("q", literal: true)
        let after = try tmux.waitForScreen { !$0.contains("Parlor key names") }
        #expect(!after.contains("Parlor key names"), "the terminal was not restored on q")
    }
}
