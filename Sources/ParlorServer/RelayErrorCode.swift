/// The codes of the relay's `error` messages (docs/PROTOCOL.md, "Error codes"). Stable: clients
/// and scripts switch on them; the text beside each code is for people.
public enum RelayErrorCode: UInt64, Error, Sendable {
    case malformed = 1
    case unsupportedVersion = 2
    case noSuchRoom = 3
    case roomExists = 4
    case badProof = 5
    case badGrant = 6
    case forbidden = 7
    case banned = 8
    case roomFull = 9
    case rateLimited = 10
    case internalError = 11
    case unknownMessage = 12
    case tooManyRooms = 13
    case stageFull = 14
    case notInARoom = 15
    case alreadyInARoom = 16
    case noSuchMember = 17
    case grantRevoked = 18
    case slotsExhausted = 19
    case mediaNotSetUp = 20

    init(_ refusal: RoomRefusal) {
        switch refusal {
        case .noSuchRoom: self = .noSuchRoom
        case .roomExists: self = .roomExists
        case .tooManyRooms: self = .tooManyRooms
        case .roomFull: self = .roomFull
        case .stageFull: self = .stageFull
        case .banned: self = .banned
        case .notInARoom: self = .notInARoom
        case .alreadyInARoom: self = .alreadyInARoom
        case .noSuchMember: self = .noSuchMember
        case .slotsExhausted: self = .slotsExhausted
        case .forbidden: self = .forbidden
        case .grantRevoked: self = .grantRevoked
        }
    }

    /// What the code means, for the error's text.
    public var text: String {
        switch self {
        case .malformed: return "message could not be parsed"
        case .unsupportedVersion: return "protocol version not supported by this relay"
        case .internalError: return "the relay failed to handle this message"
        case .unknownMessage: return "message type not understood by this relay"
        case .rateLimited: return "too many messages; slow down"
        case .badProof: return "join proof does not verify for this session"
        case .badGrant: return "grant is forged, expired, for another room or member, or signed by someone who may not"
        case .noSuchRoom: return "no such room on this relay (it may have ended)"
        case .roomExists: return "a room with this id exists under another host key"
        case .tooManyRooms: return "this relay is at its room limit"
        case .roomFull: return "the room is full"
        case .stageFull: return "the stage is full"
        case .banned: return "you are banned from this room"
        case .notInARoom: return "join a room first"
        case .alreadyInARoom: return "this session is already in a room"
        case .noSuchMember: return "no such member in the room"
        case .forbidden: return "your role does not allow this"
        case .grantRevoked: return "this grant was revoked"
        case .slotsExhausted: return "the room has used all its sender slots; start a new room"
        case .mediaNotSetUp: return "send media_setup before media"
        }
    }
}
