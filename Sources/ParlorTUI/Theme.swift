import TOMLKit

/// A colour theme: a style for each highlight group. Themes are TOML files (see Themes/README.md):
///
///     name = "default-dark"
///     [groups]
///     title = { fg = "#ffcc66", bold = true }
///     selected = { fg = "black", bg = "#87afd7", mono = ["reverse"] }
///
/// `mono` lists attributes used only where there is no colour, so every group stays distinguishable.
public struct Theme: Equatable, Sendable {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let source: String
        public let message: String
        public var description: String { "theme \(source): \(message)" }
    }

    /// The groups render functions use. A theme may leave any out; they fall back to `normal`.
    public static let groups: [HighlightGroup] = [
        "normal", "title", "border", "dim", "selected", "badge-live", "badge-muted", "badge-listening",
        "badge-secure", "host", "moderator", "speaker", "talking", "muted", "hand", "audience", "event",
        "status", "meter", "meter-peak", "error", "help", "command",
    ]

    public let name: String
    public let description: String
    private let styles: [HighlightGroup: CellStyle]
    private let monoAttributes: [HighlightGroup: Set<CellStyle.Attribute>]

    /// The style of `group` on a terminal of `depth`.
    public func style(_ group: HighlightGroup, depth: ColorDepth) -> CellStyle {
        var style = styles[group] ?? styles["normal"] ?? .plain
        if depth == .none {
            style.foreground = .terminalDefault
            style.background = .terminalDefault
            style.attributes.formUnion(monoAttributes[group] ?? [])
        }
        return style
    }

    /// Parses a theme file; `source` names it in error messages.
    public static func parse(_ text: String, source: String) throws(ParseError) -> Theme {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ParseError(source: source, message: "line \(error.source.begin.line): \(error.description)")
        } catch {
            throw ParseError(source: source, message: "\(error)")
        }
        guard let name = table["name"]?.string else { throw ParseError(source: source, message: "missing name = \"…\"") }
        var styles: [HighlightGroup: CellStyle] = [:]
        var mono: [HighlightGroup: Set<CellStyle.Attribute>] = [:]
        for (key, value) in table["groups"]?.table ?? TOMLTable() {
            let group = HighlightGroup(key)
            guard groups.contains(group) else {
                throw ParseError(source: source, message: "unknown group \"\(key)\" (groups: \(groups.map(\.name).joined(separator: ", ")))")
            }
            guard let entry = value.table else { throw ParseError(source: source, message: "group \(key) must be a table like { fg = \"red\" }") }
            (styles[group], mono[group]) = try parseGroup(entry, key: key, source: source)
        }
        return Theme(name: name, description: table["description"]?.string ?? "", styles: styles, monoAttributes: mono)
    }

    private static func parseGroup(_ entry: TOMLTable, key: String, source: String) throws(ParseError) -> (CellStyle, Set<CellStyle.Attribute>) {
        var style = CellStyle()
        var mono: Set<CellStyle.Attribute> = []
        for (field, value) in entry {
            switch field {
            case "fg", "bg":
                let text = value.string ?? value.int.map(String.init) ?? ""
                guard let color = TerminalColor(text) else {
                    throw ParseError(source: source, message: "\(key).\(field): \"\(text)\" is not a colour (a name, 0-255 or #rrggbb)")
                }
                if field == "fg" { style.foreground = color } else { style.background = color }
            case "mono":
                for item in value.array ?? TOMLArray() {
                    guard let attribute = item.string.flatMap(CellStyle.Attribute.init(rawValue:)) else {
                        throw ParseError(source: source, message: "\(key).mono: attributes are \(CellStyle.Attribute.allCases.map(\.rawValue))")
                    }
                    mono.insert(attribute)
                }
            default:
                guard let attribute = CellStyle.Attribute(rawValue: field), let on = value.bool else {
                    throw ParseError(source: source, message: "\(key): unknown field \"\(field)\" (fg, bg, mono, or an attribute = true)")
                }
                if on { style.attributes.insert(attribute) }
            }
        }
        return (style, mono)
    }
}
