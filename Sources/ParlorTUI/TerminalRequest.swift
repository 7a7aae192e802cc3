import Foundation

/// Something a program asks of the terminal itself rather than of its cells: the bytes the edge
/// writes past curses (see `CursesScreen.send`).
public enum TerminalRequest: Sendable, Equatable {
    /// Put `text` on the system clipboard: OSC 52 (xterm's "manipulate selection data"), which
    /// kitty, iTerm2, WezTerm, Windows Terminal and xterm honour, and tmux with `set-clipboard on`.
    case copy(String)
    /// Ring the terminal bell (BEL).
    case bell

    /// ECMA-48's BEL, also OSC 52's terminator.
    static let bel = "\u{07}"
    /// ECMA-48's OSC introducer.
    static let osc = "\u{1B}]"
    /// xterm's selection parameter for the clipboard.
    static let clipboardSelection = "c"

    /// The escape sequence, as bytes to write.
    public var bytes: [UInt8] {
        switch self {
        case .copy(let text):
            Array((Self.osc + "52;" + Self.clipboardSelection + ";" + Data(text.utf8).base64EncodedString() + Self.bel).utf8)
        case .bell:
            Array(Self.bel.utf8)
        }
    }
}
