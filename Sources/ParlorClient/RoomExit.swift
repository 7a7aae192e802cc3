/// Why a client's time in the room ended, and the headless faces' exit code for it
/// (docs/HEADLESS.md lists them).
public enum RoomExit: Sendable, Equatable {
    /// This client left (a `leave` command, the duration ran out, or SIGINT/SIGTERM).
    case left
    /// A moderator ended the room.
    case ended
    /// A moderator removed (or banned) this client.
    case removed(banned: Bool)
    /// The room could not be joined or kept: a bad link, a refused join, a relay that stays away.
    case failed(String)

    public var exitCode: Int32 {
        switch self {
        case .left: return 0
        case .ended: return 0
        case .removed: return 3
        case .failed: return 4
        }
    }
}
