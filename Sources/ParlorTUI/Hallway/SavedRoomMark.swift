import ParlorClient

/// Why a saved room may no longer open, as the last visit found it.
public enum SavedRoomMark: String, Sendable, Equatable, Codable {
    /// The relay refused the link with `link_revoked` (error 21): the host replaced it.
    case linkRevoked = "link_revoked"
    /// The relay could not be reached at all.
    case relayUnreachable = "relay_unreachable"

    /// What the hallway says beside the room.
    public var text: String {
        switch self {
        case .linkRevoked: "link replaced by the host: ask for a new one"
        case .relayUnreachable: "relay not answering"
        }
    }

    /// The error code (docs/HEADLESS.md) the relay sends for a replaced link.
    static let linkRevokedCode = "link_revoked"

    /// What a visit says about the saved room: nil when it joined (the room is fine); a mark when
    /// the relay refused the link as replaced, or the stay failed before any answer from the
    /// relay (no error came: it could not be reached); `.unchanged` for anything else (a ban, a
    /// full room) that says nothing about the link or the relay.
    public static func after(joined: Bool, errorCodes: [String], exit: RoomExit) -> Verdict {
        if joined { return .clear }
        if errorCodes.contains(linkRevokedCode) { return .mark(.linkRevoked) }
        if case .failed = exit, errorCodes.isEmpty { return .mark(.relayUnreachable) }
        return .unchanged
    }

    /// What to do with a saved room after a visit.
    public enum Verdict: Sendable, Equatable {
        case clear
        case mark(SavedRoomMark)
        case unchanged
    }
}
