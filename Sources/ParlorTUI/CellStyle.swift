/// How a highlight group looks: colours and text attributes.
public struct CellStyle: Equatable, Hashable, Sendable {
    public enum Attribute: String, CaseIterable, Sendable {
        case bold, dim, reverse, underline, italic
    }

    public var foreground: TerminalColor
    public var background: TerminalColor
    public var attributes: Set<Attribute>

    public init(foreground: TerminalColor = .terminalDefault, background: TerminalColor = .terminalDefault,
                attributes: Set<Attribute> = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let plain = CellStyle()
}
