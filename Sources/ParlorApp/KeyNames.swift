import ParlorTUI

/// Runs `parlor keys` until the user quits: curses draws, `KeyTester` decides.
public enum KeyNames {
    /// Loads the theme `themeName` (throws `ThemeLibrary.NotFound` or `Theme.ParseError`), then runs.
    public static func run(themeName: String) throws {
        let theme = try ThemeLibrary.standard().load(themeName)
        let caps = TerminalCapabilities.detect()
        let terminal = CursesScreen(theme: theme, depth: ColorDepth(colors: caps.colors, noColor: caps.noColorRequested))
        defer { terminal.stop() }
        _ = TerminalRunner<KeyTester>().run(KeyTester(), on: terminal) { _ in }
    }
}
