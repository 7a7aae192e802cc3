import ParlorProtocol

/// What a face asks the room client to do: something about oneself (a hand, one's own
/// microphone, an invitation, leaving), or a moderator's action from the moderation table.
public enum RoomCommand: Sendable, Equatable {
    case raiseHand, lowerHand, mute, unmute, acceptInvite, leave
    /// A moderator's action; `member` is its target (nil for an action on the room).
    case moderate(ModerationAction, member: MemberID?)
    /// Chat and reactions (RoomSession+Chat.swift).
    case chat(ChatCommand)
}
