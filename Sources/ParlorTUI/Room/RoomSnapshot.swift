import ParlorClient
import ParlorCrypto

/// What the room looks like to this client at one moment: the pure value the room screen draws
/// from, taken from the room client's session after each event (or made directly in tests).
public struct RoomSnapshot: Sendable, Equatable {
    /// The room's title (sealed; only members read it); nil until the host's profile arrives.
    public var title: String?
    /// The digits everyone in the room compares to check nobody sits in the middle.
    public var safetyCode: String?
    /// This client; nil until it has joined.
    public var me: MemberID?
    /// Everyone this client can see, in join order (a listener sees the stage and itself).
    public var people: [RoomPerson]
    /// Raised hands, oldest first.
    public var hands: [MemberID]
    /// Whether this client asked to be muted.
    public var selfMuted: Bool
    /// Whether a moderator's invitation to the stage waits for an answer.
    public var invitationPending: Bool
    /// Who may write in the chat, as the host's charter says.
    public var chatPolicy: ChatPolicy

    public init(title: String? = nil, safetyCode: String? = nil, me: MemberID? = nil, people: [RoomPerson] = [],
                hands: [MemberID] = [], selfMuted: Bool = false, invitationPending: Bool = false, chatPolicy: ChatPolicy = .everyone) {
        self.chatPolicy = chatPolicy
        self.title = title
        self.safetyCode = safetyCode
        self.me = me
        self.people = people
        self.hands = hands
        self.selfMuted = selfMuted
        self.invitationPending = invitationPending
    }

    /// The room as `session` has it now.
    public init(session: RoomSession) {
        self.init(title: session.title, safetyCode: session.safetyCode, me: session.me?.id,
                  people: session.roster.all.map(RoomPerson.init), hands: session.roster.hands,
                  selfMuted: session.selfMuted, invitationPending: session.invitation != nil, chatPolicy: session.chatPolicy)
    }

    public func person(_ id: MemberID) -> RoomPerson? { people.first { $0.id == id } }

    /// This client's own entry.
    public var myself: RoomPerson? { me.flatMap(person) }

    /// Hosts first, then moderators, then speakers; each in join order.
    public var stage: [RoomPerson] {
        people.filter(\.isOnStage).sorted { $0.role > $1.role }
    }

    public var audience: [RoomPerson] { people.filter { !$0.isOnStage } }

    /// Raised hands as people, oldest first.
    public var raisedHands: [RoomPerson] { hands.compactMap(person) }

    public var isModerator: Bool { (myself?.role ?? .listener) >= .moderator }
    public var isHost: Bool { myself?.role == .host }
    public var isOnStage: Bool { myself?.isOnStage ?? false }
    /// Muted by itself or by a moderator.
    public var isMuted: Bool { selfMuted || (myself?.muted ?? false) }
}
