import CNCurses
import Glibc

/// What the terminal Parlor runs in can show, read without taking over the screen.
public struct TerminalCapabilities: Sendable, Equatable {
    /// The locale's character set, e.g. "UTF-8" or "ANSI_X3.4-1968" (the C locale).
    public let codeset: String
    /// The environment's own character set when it was not UTF-8 and Parlor switched to C.UTF-8.
    public let replacedCodeset: String?
    /// `$TERM`, or nil when it is not set.
    public let term: String?
    /// Colours terminfo reports for `$TERM`; nil without a usable terminfo entry.
    public let colors: Int?
    /// Whether `NO_COLOR` is set (https://no-color.org): Parlor then draws without colour.
    public let noColorRequested: Bool

    /// Whether names like "Zürich 🎧" and box-drawing lines can be shown.
    public var isUTF8: Bool { codeset.uppercased().filter { $0 != "-" } == "UTF8" }

    /// Reads the locale (after `Locale.activate()`), `$TERM`, terminfo and `NO_COLOR`.
    public static func detect() -> TerminalCapabilities {
        let replaced = Locale.activate()
        let term = getenv("TERM").map { String(cString: $0) }
        let n = term == nil ? -2 : cnc_terminfo_colors()
        return TerminalCapabilities(
            codeset: Locale.codeset,
            replacedCodeset: replaced,
            term: term,
            colors: n >= -1 ? max(Int(n), 0) : nil,
            noColorRequested: getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false)
    }
}
