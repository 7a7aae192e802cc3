/// A member's role in a room, as grants carry it (one byte on the wire).
public enum Role: UInt8, Sendable, CaseIterable, Comparable {
    case listener = 0
    case speaker = 1
    case moderator = 2
    case host = 3

    /// Parses a role byte.
    public init(byte: UInt8) throws(CryptoError) {
        guard let role = Role(rawValue: byte) else { throw CryptoError.unknownRole(byte) }
        self = role
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}
