import ParlorCrypto

/// What faces show of a member: its id, the name from its sealed profile (nil until one
/// arrives, or when it chose none) and its role.
public struct MemberInfo: Sendable, Equatable {
    public let id: MemberID
    public var name: String?
    public var role: Role

    public init(id: MemberID, name: String?, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}

extension Role {
    /// The role's name in events and commands.
    public var name: String {
        switch self {
        case .listener: return "listener"
        case .speaker: return "speaker"
        case .moderator: return "moderator"
        case .host: return "host"
        }
    }
}
