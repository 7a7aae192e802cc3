/// Who may write in a room's chat: a host setting carried in its signed charter
/// (docs/PROTOCOL.md §7.5), so no relay can change it.
public enum ChatPolicy: UInt8, Sendable, CaseIterable {
    /// Every member (the default, and what a charter without the setting means).
    case everyone = 0
    /// The stage only: host, moderators and speakers.
    case stage = 1
    /// Nobody.
    case off = 2

    /// The setting's name in commands and events.
    public var name: String {
        switch self {
        case .everyone: "everyone"
        case .stage: "stage"
        case .off: "off"
        }
    }

    public init?(name: String) {
        guard let policy = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = policy
    }
}
