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

    var name: String {
        switch self {
        case .message: "chat"
        case .deleted: "chat_deleted"
        case .reaction: "reaction"
        case .policy: "chat_policy"
        }
    }

    func append(to line: inout JSONLine) {
        switch self {
        case .message(let message):
            line.append("id", .string(message.id))
            line.append("member", message.from.map(\.json) ?? .null)
            line.append("text", .string(message.text))
            line.append("sent", .int(Int(clamping: message.sentMilliseconds)))
        case let .deleted(id, by):
            line.append("id", .string(id))
            line.append("by", by.json)
        case let .reaction(from, reaction):
            line.append("member", from.map(\.json) ?? .null)
            line.append("reaction", .string(reaction.name))
            line.append("emoji", .string(reaction.emoji))
        case .policy(let policy):
            line.append("policy", .string(policy.name))
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

    static let names = ["say", "react", "delete_chat", "chat_policy"]

    /// The command in a JSON object, when its name is a chat command's.
    static func parse(name: String, object: [String: Any]) throws(RoomCommand.ParseError) -> ChatCommand? {
        switch name {
        case "say":
            guard let text = object["text"] as? String else { throw .init(message: "say needs \"text\"") }
            return .say(text)
        case "react":
            guard let text = object["reaction"] as? String, let reaction = Reaction(name: text) else {
                throw .init(message: "react needs \"reaction\": one of \(Reaction.allCases.map(\.name).joined(separator: ", "))")
            }
            return .react(reaction)
        case "delete_chat":
            guard let id = object["message"] as? String else { throw .init(message: "delete_chat needs \"message\": a chat event's id") }
            return .delete(id)
        case "chat_policy":
            guard let text = object["policy"] as? String, let policy = ChatPolicy(name: text) else {
                throw .init(message: "chat_policy needs \"policy\": everyone, stage or off")
            }
            return .setPolicy(policy)
        default:
            return nil
        }
    }
}
