import ParlorCrypto

/// Everything a moderator (or the host) may do to a member or to the room: one vocabulary that
/// the relay (`RoomTable.moderate`), the room session (`RoomSession.perform`), the terminal face
/// (its action menu and `/` commands) and the headless face (its JSON commands) all read.
///
/// Each case has one row in `rule`: how it travels, who may do it to whom, whether the faces ask
/// first, and its names. Adding an action is a new case, its row, and its handler in the relay
/// and the session (every switch over this type is exhaustive, so the compiler lists them);
/// docs/ARCHITECTURE.md §Adding a moderator action walks through it.
public enum ModerationAction: Sendable, Equatable, Hashable, CaseIterable {
    case inviteToStage
    case dismissHand
    case moveToAudience
    case mute
    case makeModerator
    case remove
    case ban
    case lowerEveryHand
    case endRoom

    /// How an action reaches the others.
    public enum Wire: Sendable, Equatable {
        /// A `moderation` message with this action code (docs/PROTOCOL.md §4.5).
        case moderation(code: UInt8)
        /// `hand_lower` with the target's key.
        case handLower
        /// A grant for this role, signed by the moderator and sealed to the target alone (a
        /// `blob_send`, docs/PROTOCOL.md §7.3): the relay only sees the role change when the
        /// target presents it.
        case sealedGrant(Role)
    }

    /// Whom an action is aimed at.
    public enum Whom: Sendable, Equatable {
        /// The room as a whole: no target.
        case room
        /// One member, never the host, in this state.
        case member(MemberCondition)
    }

    /// One row of the table.
    public struct Rule: Sendable {
        public let wire: Wire
        /// The least role that may do it.
        public let actor: Role
        public let whom: Whom
        /// A member state in which the action would change nothing: the menus leave it out and the
        /// session refuses it with a clear error. (The relay carries it out as any other: a
        /// dismissed hand already down stays down, a mute is announced again.)
        public let pointlessWhen: MemberCondition?
        /// The question the faces ask before doing it, or nil when they do it at once; `{name}`
        /// stands for the target's display name.
        public let confirmation: String?
        /// The headless face's command (`{"command": …}`, docs/HEADLESS.md).
        public let headlessName: String
        /// The terminal face's `/` command.
        public let slashCommand: String
        /// The action menu's line.
        public let label: String
    }

    /// The table.
    public var rule: Rule {
        switch self {
        case .inviteToStage:
            Rule(wire: .sealedGrant(.speaker), actor: .moderator, whom: .member(.offStage), pointlessWhen: nil,
                 confirmation: nil, headlessName: "invite_to_stage", slashCommand: "invite", label: "Invite to the stage")
        case .dismissHand:
            Rule(wire: .handLower, actor: .moderator, whom: .member(.anyone), pointlessWhen: .handDown,
                 confirmation: nil, headlessName: "dismiss_hand", slashCommand: "dismiss", label: "Dismiss the hand")
        case .moveToAudience:
            Rule(wire: .moderation(code: 1), actor: .moderator, whom: .member(.onStage), pointlessWhen: nil,
                 confirmation: nil, headlessName: "move_to_audience", slashCommand: "audience", label: "Move to the audience")
        case .mute:
            Rule(wire: .moderation(code: 0), actor: .moderator, whom: .member(.onStage), pointlessWhen: .muted,
                 confirmation: nil, headlessName: "mute_member", slashCommand: "silence", label: "Mute")
        case .makeModerator:
            Rule(wire: .sealedGrant(.moderator), actor: .moderator, whom: .member(.belowModerator), pointlessWhen: nil,
                 confirmation: nil, headlessName: "make_moderator", slashCommand: "moderator", label: "Make moderator")
        case .remove:
            Rule(wire: .moderation(code: 2), actor: .moderator, whom: .member(.anyone), pointlessWhen: nil,
                 confirmation: "Remove {name} from the room?", headlessName: "remove", slashCommand: "remove",
                 label: "Remove from the room")
        case .ban:
            Rule(wire: .moderation(code: 3), actor: .moderator, whom: .member(.anyone), pointlessWhen: nil,
                 confirmation: "Ban {name} from the room for good?", headlessName: "ban", slashCommand: "ban",
                 label: "Ban from the room")
        case .lowerEveryHand:
            Rule(wire: .moderation(code: 6), actor: .moderator, whom: .room, pointlessWhen: nil,
                 confirmation: nil, headlessName: "lower_every_hand", slashCommand: "lowerall", label: "Lower every hand")
        case .endRoom:
            Rule(wire: .moderation(code: 4), actor: .moderator, whom: .room, pointlessWhen: nil,
                 confirmation: "End the room for everyone?", headlessName: "end_room", slashCommand: "end",
                 label: "End the room for everyone")
        }
    }

    /// The action a `moderation` message's code names, or nil (the code of a member's own
    /// unmute, `Moderation.unmuteOwnCode`, is not a moderator's action).
    public init?(moderationCode code: UInt8) {
        guard let action = Self.allCases.first(where: { $0.rule.wire == .moderation(code: code) }) else { return nil }
        self = action
    }

    /// The action a headless command names.
    public init?(headlessName name: String) {
        guard let action = Self.allCases.first(where: { $0.rule.headlessName == name }) else { return nil }
        self = action
    }

    /// The action a `/` command names.
    public init?(slashCommand name: String) {
        guard let action = Self.allCases.first(where: { $0.rule.slashCommand == name }) else { return nil }
        self = action
    }

    /// Whether someone with role `actor` may aim this action at a member in `target`'s state
    /// (ignored for actions on the room). Nobody acts on the host.
    public func allows(actor: Role, on target: MemberState?) -> Bool {
        guard actor >= rule.actor else { return false }
        switch rule.whom {
        case .room: return true
        case .member(let condition):
            guard let target, target.role != .host else { return false }
            return condition.holds(for: target)
        }
    }

    /// The label as the rest of a sentence ("only moderators can invite to the stage").
    public var phrase: String { rule.label.prefix(1).lowercased() + rule.label.dropFirst() }

    /// The confirmation question about the member called `name`, or nil when none is asked.
    public func question(about name: String) -> String? {
        rule.confirmation?.replacing("{name}", with: name)
    }

    /// The actions a menu offers a moderator with role `actor` on `target`: on itself (`isMe`) the
    /// actions on the room, on anyone else those it allows and that would change something, in
    /// table order.
    public static func offered(by actor: Role, on target: MemberState, isMe: Bool) -> [ModerationAction] {
        allCases.filter { action in
            guard actor >= action.rule.actor else { return false }
            switch action.rule.whom {
            case .room: return isMe
            case .member:
                return !isMe && action.allows(actor: actor, on: target) && !(action.rule.pointlessWhen?.holds(for: target) ?? false)
            }
        }
    }
}

/// What the moderation table needs to know of a member.
public struct MemberState: Sendable, Equatable {
    public var role: Role
    public var handRaised: Bool
    public var muted: Bool

    public init(role: Role, handRaised: Bool, muted: Bool) {
        self.role = role
        self.handRaised = handRaised
        self.muted = muted
    }
}

/// A state a member must be in for a moderator's action to apply.
public enum MemberCondition: Sendable, Equatable {
    case anyone
    /// A host, moderator or speaker.
    case onStage
    /// In the audience.
    case offStage
    /// Not yet a moderator.
    case belowModerator
    /// The hand is not raised.
    case handDown
    case muted

    public func holds(for member: MemberState) -> Bool {
        switch self {
        case .anyone: true
        case .onStage: member.role >= .speaker
        case .offStage: member.role < .speaker
        case .belowModerator: member.role < .moderator
        case .handDown: !member.handRaised
        case .muted: member.muted
        }
    }

    /// Why the action cannot be aimed at `id`: not in the state `whom` needs, or (for a
    /// `pointlessWhen` condition) in the state where it changes nothing.
    public func refusal(_ id: String) -> String {
        switch self {
        case .anyone: "\(id) cannot be acted on"
        case .onStage: "\(id) is not on stage"
        case .offStage, .belowModerator: "\(id) already has that role"
        case .handDown: "\(id) has no raised hand"
        case .muted: "\(id) is muted already"
        }
    }
}
