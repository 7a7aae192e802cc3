import ParlorClient
import ParlorCrypto

/// What a moderator can do to the selected person, as the action menu lists it.
public enum PersonAction: Sendable, Equatable {
    case inviteToStage, dismissHand, moveToAudience, mute, makeModerator, remove, ban, endRoom

    /// The menu line.
    public var title: String {
        switch self {
        case .inviteToStage: return "Invite to the stage"
        case .dismissHand: return "Dismiss the hand"
        case .moveToAudience: return "Move to the audience"
        case .mute: return "Mute"
        case .makeModerator: return "Make moderator"
        case .remove: return "Remove from the room"
        case .ban: return "Ban from the room"
        case .endRoom: return "End the room for everyone"
        }
    }

    /// Whether the action asks "are you sure?" first.
    public var needsConfirmation: Bool { self == .remove || self == .ban || self == .endRoom }

    /// The room command for `target`.
    public func command(for target: MemberID) -> RoomCommand {
        switch self {
        case .inviteToStage: return .inviteToStage(target)
        case .dismissHand: return .dismissHand(target)
        case .moveToAudience: return .moveToAudience(target)
        case .mute: return .muteMember(target)
        case .makeModerator: return .makeModerator(target)
        case .remove: return .remove(target)
        case .ban: return .ban(target)
        case .endRoom: return .endRoom
        }
    }

    /// The actions a moderator has on `person` (itself when `isMe`), in menu order.
    public static func available(on person: RoomPerson, isMe: Bool) -> [PersonAction] {
        if isMe { return [.endRoom] }
        guard person.role != .host else { return [] }
        var actions: [PersonAction] = []
        if !person.isOnStage { actions.append(.inviteToStage) }
        if person.handRaised { actions.append(.dismissHand) }
        if person.isOnStage {
            actions.append(.moveToAudience)
            if !person.muted { actions.append(.mute) }
        }
        if person.role < .moderator { actions.append(.makeModerator) }
        return actions + [.remove, .ban]
    }
}
