import ParlorCrypto

/// One message in a room's chat as faces show it.
public struct ChatLine: Sendable, Equatable {
    /// The message's id (32 hex digits): what a moderator deletes it by.
    public let id: String
    /// Who wrote it; nil for a listener whom this member may not know (the relay names listeners
    /// only to moderators and the host).
    public let from: MemberInfo?
    public let text: String
    /// When its author sent it, milliseconds since the Unix epoch (the author's clock).
    public let sentMilliseconds: UInt64

    public init(id: String, from: MemberInfo?, text: String, sentMilliseconds: UInt64) {
        self.id = id
        self.from = from
        self.text = text
        self.sentMilliseconds = sentMilliseconds
    }
}

/// What happens in a room's chat, reported as `RoomEvent.chat`.
public enum ChatEvent: Sendable, Equatable {
    /// A message, someone else's or this member's own.
    case message(ChatLine)
    /// A moderator (or the host) deleted the message `id` for everyone.
    case deleted(id: String, by: MemberInfo)
    /// A reaction; `from` as for a message.
    case reaction(from: MemberInfo?, Reaction)
    /// The host changed who may write.
    case policy(ChatPolicy)

    /// The event's name in its JSON line (docs/HEADLESS.md).
    public var name: String {
        switch self {
        case .message: "chat"
        case .deleted: "chat_deleted"
        case .reaction: "reaction"
        case .policy: "chat_policy"
        }
    }
}

/// What a face asks of the chat, carried as `RoomCommand.chat`.
public enum ChatCommand: Sendable, Equatable {
    case say(String)
    case react(Reaction)
    /// Delete the message with this id for everyone (moderators and the host).
    case delete(String)
    /// Who may write (the host).
    case setPolicy(ChatPolicy)
}
