import CNCurses
import Glibc

/// The thin ncurses backend: it takes over the terminal, copies `Screen` values onto it and
/// reads keys. It holds no application state; the Elm-style loop above it does.
public final class CursesScreen {
    /// Turns a highlight group into curses attributes (colour pair included).
    public typealias Styler = (HighlightGroup) -> attr_t

    private var window: UnsafeMutablePointer<WINDOW>?
    private let styler: Styler

    /// Takes over the terminal: UTF-8 locale, no echo, keys unbuffered, keypad decoding, colours
    /// when the terminal has them. Call `stop()` (also done on deinit) to give it back.
    public init(styler: @escaping Styler = { _ in cnc_a_normal() }) {
        Locale.activate()
        window = initscr()
        cbreak()
        noecho()
        nonl()
        keypad(cnc_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        if has_colors() {
            start_color()
            use_default_colors()
        }
        self.styler = styler
    }

    deinit { stop() }

    /// Restores the terminal as it was.
    public func stop() {
        guard window != nil else { return }
        endwin()
        window = nil
    }

    /// The terminal's size in columns and rows.
    public var size: (width: Int, height: Int) {
        (Int(getmaxx(cnc_stdscr())), Int(getmaxy(cnc_stdscr())))
    }

    /// Copies `screen` to the terminal and refreshes it.
    public func draw(_ screen: Screen) {
        let win = cnc_stdscr()
        werase(win)
        for (y, row) in screen.cells.enumerated() {
            for (x, cell) in row.enumerated() {
                guard let ch = cell.character else { continue }
                var wide = ch.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
                wide.append(0)
                wattrset(win, Int32(bitPattern: styler(cell.group)))
                // The bottom-right cell scrolls some terminals; curses reports ERR there, harmlessly.
                _ = mvwaddwstr(win, Int32(y), Int32(x), wide)
            }
        }
        wattrset(win, Int32(bitPattern: cnc_a_normal()))
        wrefresh(win)
    }

    /// Waits up to `milliseconds` (negative: forever) for a key; nil when none came.
    public func readKey(timeout milliseconds: Int32) -> Key? {
        wtimeout(cnc_stdscr(), milliseconds)
        var value: wint_t = 0
        let rc = wget_wch(cnc_stdscr(), &value)
        switch rc {
        case KEY_CODE_YES: return Key(curses: value, isKeyCode: true)
        case OK: return Key(curses: value, isKeyCode: false)
        default: return nil
        }
    }

    /// Defines colour pair `pair` as `foreground` on `background` (-1 for the terminal's default).
    public func definePair(_ pair: Int16, foreground: Int16, background: Int16) {
        init_pair(pair, foreground, background)
    }
}
