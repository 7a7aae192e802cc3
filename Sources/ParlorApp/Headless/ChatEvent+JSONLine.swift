import ParlorClient
import ParlorCrypto

/// The headless form of chat events: their fields after `"event"` and `"time"` (docs/HEADLESS.md).
extension ChatEvent {
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

/// The headless form of chat commands: `{"command":"say","text":…}` and the like.
extension ChatCommand {
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
