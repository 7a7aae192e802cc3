import ParlorCrypto
import ParlorProtocol

/// One member of the room as this client knows it: keys and slot from the relay's roster, the
/// name and title from its sealed profile card, and what the room said about its hand and mute.
public struct Participant: Sendable, Equatable {
    public let key: [UInt8]
    /// The X25519 key epoch secrets are sealed to; also part of its SFrame sender keys.
    public var boxKey: [UInt8]
    public var role: Role
    public var slot: UInt16
    public var card: ProfileCard?
    public var handRaised = false
    public var muted = false
    /// Why the member may hold the room's keys, as it joined (nil for this client's own entry).
    public var credential: MemberCredential?
    /// The grants its role rests on, when a grant gave it (docs/PROTOCOL.md §7.2) and they proved
    /// it: the first is revoked when the member is moved down.
    public var roleProof: RoleProof?

    public init(key: [UInt8], boxKey: [UInt8], role: Role, slot: UInt16, card: ProfileCard? = nil, credential: MemberCredential? = nil) {
        self.key = key
        self.boxKey = boxKey
        self.role = role
        self.slot = slot
        self.card = card
        self.credential = credential
    }

    /// A roster entry from the relay, with its profile card as opened and checked
    /// (`RoomSession.card(_:of:effects:)`; nil leaves the member nameless).
    init(entry: MemberEntry, card: ProfileCard?) {
        self.init(key: entry.memberKey, boxKey: entry.boxKey, role: entry.role, slot: entry.senderSlot, card: card,
                  credential: entry.credential)
    }

    public var id: MemberID { MemberID(key: key) }
    public var isOnStage: Bool { role >= .speaker }
    public var info: MemberInfo { MemberInfo(id: id, name: card?.name, role: role) }
}

extension Participant {
    /// What the moderation table (`ModerationAction.rule`) checks of a target.
    var state: MemberState { MemberState(role: role, handRaised: handRaised, muted: muted) }
}
