import Glibc

extension CursesScreen {
    /// Writes `request`'s escape sequence to the terminal, past curses (nothing on screen moves).
    public func send(_ request: TerminalRequest) {
        Self.writeOut(request.bytes)
    }

    /// Writes each flowing text again as one stream from its first row, so the terminal wraps it
    /// itself: the same characters curses drew there, now marked as one wrapped line. The cursor
    /// and attributes are saved and restored around it (DECSC/DECRC), so curses' idea of the
    /// terminal stays true.
    func rewrite(_ flowing: [FlowingText]) {
        guard !flowing.isEmpty else { return }
        var out = Self.saveCursor
        for text in flowing {
            out += "\u{1B}[\(text.row + 1);1H" + Self.plain + text.text
        }
        out += Self.restoreCursor
        Self.writeOut(Array(out.utf8))
    }

    /// DEC's save and restore cursor (position and attributes), and SGR 0.
    static let saveCursor = "\u{1B}7"
    static let restoreCursor = "\u{1B}8"
    static let plain = "\u{1B}[0m"

    private static func writeOut(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}
