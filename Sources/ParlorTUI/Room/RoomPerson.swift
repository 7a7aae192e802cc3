import ParlorClient
import ParlorCrypto
import ParlorProtocol

/// One member as the room screen shows it: a name when its sealed profile gave one, its role,
/// and what the room said about its hand and microphone.
public struct RoomPerson: Sendable, Equatable {
    public var id: MemberID
    public var name: String?
    public var role: Role
    public var handRaised: Bool
    public var muted: Bool
    /// Whether it agreed to be named in the audience.
    public var listed: Bool

    public init(id: MemberID, name: String?, role: Role, handRaised: Bool = false, muted: Bool = false, listed: Bool = false) {
        self.id = id
        self.name = name
        self.role = role
        self.handRaised = handRaised
        self.muted = muted
        self.listed = listed
    }

    /// The person as the room client knows it.
    public init(_ participant: Participant) {
        self.init(id: participant.id, name: participant.card?.name, role: participant.role,
                  handRaised: participant.handRaised, muted: participant.muted, listed: participant.card?.listed ?? false)
    }

    public var isOnStage: Bool { role >= .speaker }

    /// The name to show: its own, or "member" and its id for someone who gave none.
    public var displayName: String {
        if let name, !name.isEmpty { return name }
        return "member \(id.text.prefix(RoomPerson.shortIDLength))"
    }

    /// Hex digits of the id shown for a nameless member.
    static let shortIDLength = 6
}

extension RoomPerson {
    /// What the moderation table (`ModerationAction.rule`) checks of a target.
    var state: MemberState { MemberState(role: role, handRaised: handRaised, muted: muted) }
}
