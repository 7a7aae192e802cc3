/// Text that runs from the first column of `row` across as many rows as it needs, with nothing
/// around it: a long link a person selects with the mouse. `Screen.flow` puts it in the cells;
/// the edge also writes it to the terminal in one stream and lets the terminal wrap it, so
/// terminals (and tmux) mark the rows as one wrapped line and a selection copies it whole.
public struct FlowingText: Sendable, Equatable {
    public let text: String
    public let row: Int
    public let group: HighlightGroup
}

extension Screen {
    /// Puts `text` in full rows from column 0 of `row`, as a terminal wrapping it would (ASCII or
    /// other one-column text; a wide character never straddles rows), and records it for the edge.
    /// Returns the row after the last one used.
    @discardableResult
    public mutating func flow(_ text: String, row: Int, group: HighlightGroup = .normal) -> Int {
        guard width > 0 else { return row }
        var r = row
        var line = ""
        for ch in text {
            if Screen.columns(of: line) + Screen.columns(of: ch) > width {
                put(line, row: r, column: 0, group: group)
                r += 1
                line = ""
            }
            line.append(ch)
        }
        if !line.isEmpty {
            put(line, row: r, column: 0, group: group)
            r += 1
        }
        if r <= height { flowing.append(FlowingText(text: text, row: row, group: group)) }
        return r
    }
}
