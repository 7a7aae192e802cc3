/// The reactions a member can send: a small fixed set, so a reaction is one byte on the wire.
public enum Reaction: UInt8, Sendable, CaseIterable {
    case clap = 1, heart, laugh, hand, plus

    /// Its name in commands and events.
    public var name: String {
        switch self {
        case .clap: "clap"
        case .heart: "heart"
        case .laugh: "laugh"
        case .hand: "hand"
        case .plus: "plus"
        }
    }

    /// How faces show it.
    public var emoji: String {
        switch self {
        case .clap: "👏"
        case .heart: "❤️"
        case .laugh: "😂"
        case .hand: "🙋"
        case .plus: "➕"
        }
    }

    /// The reaction named `text` (its name or its emoji).
    public init?(name text: String) {
        guard let reaction = Self.allCases.first(where: { $0.name == text || $0.emoji == text }) else { return nil }
        self = reaction
    }
}
