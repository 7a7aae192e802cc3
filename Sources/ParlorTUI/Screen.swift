import CNCurses

/// A highlight group names what a cell shows ("title", "border", "speaker-talking", …);
/// a theme turns groups into colours and attributes. Render functions speak only in groups.
public struct HighlightGroup: Hashable, Sendable, ExpressibleByStringLiteral {
    public let name: String
    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }
    public static let normal: HighlightGroup = "normal"
}

/// What a render function produces: a grid of cells, each a character (or the right half of a
/// wide one) in a highlight group. Tests read it as text; the curses backend only copies it out.
public struct Screen: Equatable, Sendable {
    public struct Cell: Equatable, Sendable {
        /// The character in this column; nil for the second column of a wide character.
        public var character: Character?
        public var group: HighlightGroup
        public static let blank = Cell(character: " ", group: .normal)
    }

    public let width: Int
    public let height: Int
    public private(set) var cells: [[Cell]]
    /// Texts the edge also writes as one wrapped stream (`flow`).
    public internal(set) var flowing: [FlowingText] = []

    public init(width: Int, height: Int) {
        self.width = max(width, 0)
        self.height = max(height, 0)
        cells = Array(repeating: Array(repeating: .blank, count: self.width), count: self.height)
    }

    /// The columns `text` takes on a terminal (2 for most CJK and emoji, 0 for combining marks).
    public static func columns(of text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + columns(of: $1) }
    }

    /// wcwidth answers from the locale's character set: a UTF-8 one is set up once, before the first use.
    private static let localeReady: Bool = {
        Locale.activate()
        return true
    }()

    /// The columns one character takes.
    public static func columns(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first, localeReady else { return 0 }
        if character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return max(Int(cnc_wcwidth(first.value)), first.value < 32 ? 0 : 1)
    }

    /// Writes `text` from (row, column), clipped at the right edge or at column `until` (exclusive);
    /// a wide character that would straddle it is left out. Returns the column after the last one written.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, row: Int, column: Int, group: HighlightGroup = .normal,
                             until: Int? = nil) -> Int {
        guard row >= 0, row < height else { return column }
        let end = min(until ?? width, width)
        var x = column
        for ch in text {
            let w = Screen.columns(of: ch)
            if w == 0 { continue }
            guard x >= 0, x + w <= end else { break }
            cells[row][x] = Cell(character: ch, group: group)
            if w == 2 { cells[row][x + 1] = Cell(character: nil, group: group) }
            x += w
        }
        return x
    }

    /// Draws a box in single box-drawing lines (U+250C…); the interior is left as it is.
    public mutating func box(row: Int, column: Int, height h: Int, width w: Int, group: HighlightGroup = "border") {
        guard h >= 2, w >= 2 else { return }
        let horizontal = String(repeating: "─", count: w - 2)
        put("┌" + horizontal + "┐", row: row, column: column, group: group)
        for r in row + 1 ..< row + h - 1 {
            put("│", row: r, column: column, group: group)
            put("│", row: r, column: column + w - 1, group: group)
        }
        put("└" + horizontal + "┘", row: row + h - 1, column: column, group: group)
    }

    /// The screen as plain text, one line a row, trailing spaces trimmed.
    public var text: String {
        cells.map { row in
            var line = String(row.compactMap { $0.character })
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
