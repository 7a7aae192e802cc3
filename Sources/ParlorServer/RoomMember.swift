import ParlorCrypto
import ParlorProtocol

/// One member of a room as the relay holds it: keys it cannot link to a person, a role it
/// enforces, and the sealed profile it passes on without reading.
public struct RoomMember: Sendable, Equatable {
    public let session: SessionID
    /// The member's per-room Ed25519 public key: what grants name and moderators aim at.
    public let key: OpaqueKey
    /// The member's X25519 public key: what new epoch secrets are sealed to.
    public let boxKey: OpaqueKey
    public internal(set) var role: Role
    /// The relay-assigned sender slot that tags this member's media; never reused within a room,
    /// because SFrame keys derive from (epoch, slot) and a reused slot would reuse nonces.
    public let senderSlot: UInt16
    public internal(set) var muted = false
    public internal(set) var handRaised = false
    /// The member's display name and the like, sealed under the room's metadata key.
    public internal(set) var profile: [UInt8]?
    /// The credential the member joined with (verified by the relay), passed on unchanged in
    /// roster entries so keepers check it before they seal anything to `boxKey`.
    public let credential: MemberCredential
    /// The grants its role rests on when a grant gave it (docs/PROTOCOL.md §7.2), passed on with
    /// the role so that members check it; nil when the credential gives the role, and once the
    /// member is moved to the audience.
    public internal(set) var roleProof: RoleProof?

    public init(session: SessionID, key: OpaqueKey, boxKey: OpaqueKey, role: Role, senderSlot: UInt16, credential: MemberCredential) {
        self.session = session
        self.credential = credential
        self.key = key
        self.boxKey = boxKey
        self.role = role
        self.senderSlot = senderSlot
    }

    /// Whether the relay forwards this member's media.
    public var mayTransmit: Bool { role.isOnStage && !muted }
}

extension RoomMember {
    /// What the moderation table (`ModerationAction.rule`) checks of a target.
    var state: MemberState { MemberState(role: role, handRaised: handRaised, muted: muted) }
}
