/// A titled box of lines on the room screen; `RoomScreen` lays panels out to fit the terminal.
struct Panel {
    var title: String
    var lines: [PanelLine]
    /// The fewest rows worth drawing (a box with one line).
    static let minimumHeight = 3
    /// Drawn before the selected line, so the selection shows without colour too.
    static let selectionMark = "▸"

    /// Rows the panel would like: its lines and the box.
    var wantedHeight: Int { max(lines.count + 2, Self.minimumHeight) }

    /// Shares `rows` among `panels`: each gets at least the minimum, then what it wants in order of
    /// `priority` (indices), and `spare` (an index) takes what is left. Panels that do not fit get 0.
    static func heights(_ panels: [Panel], rows: Int, priority: [Int], spare: Int) -> [Int] {
        var heights = Array(repeating: 0, count: panels.count)
        var left = rows
        for i in priority where left >= minimumHeight {
            heights[i] = minimumHeight
            left -= minimumHeight
        }
        for i in priority where heights[i] > 0 {
            let more = min(panels[i].wantedHeight - heights[i], left)
            heights[i] += more
            left -= more
        }
        if heights[spare] > 0 { heights[spare] += left }
        return heights
    }

    /// Draws the panel in the rectangle, scrolled so that the line whose key is `selected` shows; a last line says
    /// how many more did not fit.
    func draw(on screen: inout Screen, row: Int, column: Int, height: Int, width: Int, selected: String?) {
        guard height >= Self.minimumHeight, width >= 4 else { return }
        screen.box(row: row, column: column, height: height, width: width)
        screen.put(" \(title) ", row: row, column: column + 2, group: "title", until: column + width - 2)
        let room = height - 2
        var first = 0
        if lines.count > room, let selected, let index = lines.firstIndex(where: { $0.key == selected }), index >= room - 1 {
            first = min(index - room + 2, lines.count - room + 1)
        }
        for (offset, line) in lines.dropFirst(first).prefix(room).enumerated() {
            let y = row + 1 + offset
            let hidden = lines.count - first - offset - 1
            if offset == room - 1, hidden > 0 {
                screen.put("  … \(hidden + 1) more", row: y, column: column + 1, group: "dim", until: column + width - 1)
                break
            }
            let isSelected = line.key != nil && line.key == selected
            if isSelected {
                screen.put(String(repeating: " ", count: width - 2), row: y, column: column + 1, group: "selected")
                screen.put(Self.selectionMark, row: y, column: column + 1, group: "selected")
            }
            var x = column + 2
            for segment in line.segments {
                x = screen.put(segment.text, row: y, column: x, group: isSelected ? "selected" : segment.group, until: column + width - 2)
            }
        }
    }
}
