import ParlorProtocol

/// The relay's side of the `error` codes (docs/PROTOCOL.md §4.6): which refusal of the room rules
/// becomes which code, and the text beside each code, for people (clients switch on the code).
extension ErrorMessage.Code {
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
        case .forbidden: self = .notAllowed
        case .grantRevoked: self = .grantRevoked
        case .linkRevoked: self = .linkRevoked
        case .stale: self = .notAllowed
        }
    }

    /// What the code means, for the error's text.
    public var text: String {
        switch self {
        case .malformedMessage: return "message could not be parsed"
        case .unsupportedVersion: return "protocol version not supported by this relay"
        case .internalError: return "the relay failed to handle this message"
        case .unknownMessage: return "message type not understood by this relay"
        case .rateLimited: return "too many messages; slow down"
        case .badProof: return "join proof does not verify for this session"
        case .badGrant: return "grant is forged, expired, for another room or member, or signed by someone who may not"
        case .noSuchRoom: return "no such room on this relay (it may have ended)"
        case .roomExists: return "a room with this id exists under another host key, or the id is not the one the host key names"
        case .tooManyRooms: return "this relay is at its room limit"
        case .roomFull: return "the room is full"
        case .stageFull: return "the stage is full"
        case .banned: return "you are banned from this room"
        case .notInARoom: return "join a room first"
        case .alreadyInARoom: return "this session is already in a room"
        case .noSuchMember: return "no such member in the room"
        case .notAllowed: return "your role does not allow this"
        case .grantRevoked: return "this grant was revoked"
        case .slotsExhausted: return "the room has used all its sender slots; start a new room"
        case .mediaNotSetUp: return "send media_setup before media"
        case .linkRevoked: return "the host replaced the link you joined with; ask for a new link"
        }
    }
}
