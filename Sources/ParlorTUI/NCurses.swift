import CNCurses

/// The ncurses library that is loaded.
public enum NCurses {
    /// For example "ncurses 6.4.20221231".
    public static var version: String { String(cString: curses_version()) }
}
