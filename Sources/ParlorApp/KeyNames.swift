import ParlorTUI

/// Runs `parlor keys` until the user quits: curses draws, `KeyTester` decides.
public enum KeyNames {
    public static func run() {
        let terminal = CursesScreen { group in
            switch group {
            case "title", "selected": return NCursesStyle.bold
            case "dim": return NCursesStyle.dim
            default: return NCursesStyle.normal
            }
        }
        defer { terminal.stop() }
        var tester = KeyTester()
        while !tester.finished {
            let (w, h) = terminal.size
            terminal.draw(tester.render(width: w, height: h))
            if let key = terminal.readKey(timeout: -1) { tester.update(key) }
        }
    }
}
