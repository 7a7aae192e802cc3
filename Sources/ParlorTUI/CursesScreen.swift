import CNCurses
import Glibc

/// The thin ncurses backend: it takes over the terminal, copies `Screen` values onto it and
/// reads keys. It holds no application state; the Elm-style loop above it does.
public final class CursesScreen {
    private var window: UnsafeMutablePointer<WINDOW>?
    /// Each highlight group's curses attributes, colour pair included, worked out once from the theme.
    private var attributes: [HighlightGroup: attr_t] = [:]

    /// Takes over the terminal: UTF-8 locale, no echo, keys unbuffered, keypad decoding, colours
    /// when the terminal has them and `depth` allows. Call `stop()` (also done on deinit) to give it back.
    public init(theme: Theme, depth requested: ColorDepth) {
        Locale.activate()
        window = initscr()
        cbreak()
        noecho()
        nonl()
        keypad(cnc_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        let depth = has_colors() ? requested : .none
        if depth != .none {
            start_color()
            use_default_colors()
        }
        var pairs: [Pair: Int16] = [:]
        for group in Theme.groups {
            let style = theme.style(group, depth: depth)
            var attr = style.attributes.reduce(cnc_a_normal()) { $0 | CursesScreen.attribute($1) }
            let pair = Pair(foreground: style.foreground.cursesColor(for: depth), background: style.background.cursesColor(for: depth))
            if depth != .none, pair != Pair(foreground: -1, background: -1) {
                let number = pairs[pair] ?? Int16(pairs.count + 1)
                if pairs[pair] == nil, Int32(number) < cnc_color_pairs() {
                    init_pair(number, pair.foreground, pair.background)
                    pairs[pair] = number
                }
                if pairs[pair] != nil { attr |= attr_t(bitPattern: COLOR_PAIR(Int32(number))) }
            }
            attributes[group] = attr
        }
    }

    private struct Pair: Hashable {
        let foreground: Int16
        let background: Int16
    }

    private static func attribute(_ a: CellStyle.Attribute) -> attr_t {
        switch a {
        case .bold: return cnc_a_bold()
        case .dim: return cnc_a_dim()
        case .reverse: return cnc_a_reverse()
        case .underline: return cnc_a_underline()
        case .italic: return cnc_a_italic()
        }
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
                wattrset(win, Int32(bitPattern: attributes[cell.group] ?? attributes["normal"] ?? cnc_a_normal()))
                // The bottom-right cell scrolls some terminals; curses reports ERR there, harmlessly.
                _ = mvwaddwstr(win, Int32(y), Int32(x), wide)
            }
        }
        wattrset(win, Int32(bitPattern: cnc_a_normal()))
        wrefresh(win)
        rewrite(screen.flowing)
    }

    /// Waits up to `milliseconds` (negative: forever) for a key; nil when none came.
    public func readKey(timeout milliseconds: Int32) -> Key? {
        wtimeout(cnc_stdscr(), milliseconds)
        var value: wint_t = 0
        let rc = wget_wch(cnc_stdscr(), &value)
        switch rc {
        case KEY_CODE_YES:
            let key = Key(curses: value, isKeyCode: true)
            // After a resize the terminal may have kept other rows than curses assumes (tmux keeps
            // the bottom ones): repaint everything on the next draw instead of trusting its diff.
            if key == .resize { clearok(cnc_stdscr(), true) }
            return key
        case OK: return Key(curses: value, isKeyCode: false)
        default: return nil
        }
    }
}
