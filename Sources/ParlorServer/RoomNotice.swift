import ParlorCrypto

/// What the room table tells a session; `RoomRules` turns each into its control message
/// (`RoomRules.controlMessage(for:)`) and `RelayCore` sends it.
public enum RoomNotice: Sendable, Equatable {
    /// To a member that just joined (or created): who it is and who is there.
    case joined(you: RoomMember, roster: [RoomMember])
    case memberJoined(RoomMember)
    case memberLeft(OpaqueKey)
    /// A member's new role, with the grants it rests on when a grant raised it.
    case roleChanged(OpaqueKey, Role, proof: RoleProof?)
    /// To moderators (and the member itself): a hand went up or down.
    case handRaised(OpaqueKey)
    case handLowered(OpaqueKey)
    case muted(OpaqueKey, Bool)
    case profile(OpaqueKey, [UInt8])
    /// An opaque blob (chat, a reaction) from a member: its key, or nil where the recipient may
    /// not see the sender (a listener's blob to a non-moderator).
    case blob(from: OpaqueKey?, [UInt8])
    /// To a member that was removed or banned (its key), by a moderator; its session is closed after this.
    case removed(OpaqueKey, banned: Bool, by: OpaqueKey)
    /// To a session whose member key joined again on another session (a reconnect); it is closed.
    case replaced
    /// The room was ended by a moderator (its key).
    case roomEnded(by: OpaqueKey)
    /// To moderators and the host: the host signed a new charter (passed on unchanged).
    case charter(RoomCharter)
}

/// One notice for one session.
public struct Delivery: Sendable, Equatable {
    public let to: SessionID
    public let notice: RoomNotice
}

/// Why the room table refused a request. Each is counted and answered with an error message.
public enum RoomRefusal: Error, Sendable, Equatable {
    case noSuchRoom, roomExists, tooManyRooms, roomFull, stageFull, banned
    case notInARoom, alreadyInARoom, noSuchMember, slotsExhausted
    /// The session's role does not allow the request.
    case forbidden
    /// A grant that was revoked (its member was moved to the audience) was presented again.
    case grantRevoked
    /// A newcomer's link is not in the room's current charter (the host replaced it).
    case linkRevoked
    /// A charter whose version is not above the stored one, or an epoch below the last delivered.
    case stale
}
