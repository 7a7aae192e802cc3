import Foundation

/// What a face asks the room client to do. Headless faces read them as JSON lines on stdin,
/// one object a line: `{"command":"invite_to_stage","member":"1a2b3c4d5e6f"}`.
public enum RoomCommand: Sendable, Equatable {
    case raiseHand, lowerHand, mute, unmute, acceptInvite
    case inviteToStage(MemberID), moveToAudience(MemberID), makeModerator(MemberID)
    case muteMember(MemberID), dismissHand(MemberID), remove(MemberID), ban(MemberID)
    case endRoom, leave
    /// Chat and reactions (RoomSession+Chat.swift).
    case chat(ChatCommand)

    /// A command line that cannot be carried out, and why; answered with an `error` event.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Every command name, for error messages and completion.
    public static let names = ["raise_hand", "lower_hand", "mute", "unmute", "accept_invite", "invite_to_stage",
                               "move_to_audience", "make_moderator", "mute_member", "dismiss_hand", "remove", "ban",
                               "end_room", "leave"] + ChatCommand.names

    /// Parses one JSON line.
    public static func parse(jsonLine line: String) throws(ParseError) -> RoomCommand {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ParseError(message: "not a JSON object: \(line.prefix(80))")
        }
        guard let name = object["command"] as? String else {
            throw ParseError(message: "missing \"command\" (one of \(names.joined(separator: ", ")))")
        }
        if let chat = try ChatCommand.parse(name: name, object: object) { return .chat(chat) }
        return try parse(name: name, member: object["member"])
    }

    static func parse(name: String, member raw: Any?) throws(ParseError) -> RoomCommand {
        func member() throws(ParseError) -> MemberID {
            guard let text = raw as? String else { throw ParseError(message: "\(name) needs \"member\": a member id from an event") }
            guard let id = MemberID(text) else { throw ParseError(message: "\"\(text)\" is not a member id (12 hex digits)") }
            return id
        }
        switch name {
        case "raise_hand": return .raiseHand
        case "lower_hand": return .lowerHand
        case "mute": return raw == nil ? .mute : .muteMember(try member())
        case "unmute": return .unmute
        case "accept_invite": return .acceptInvite
        case "dismiss_hand": return .dismissHand(try member())
        case "invite_to_stage": return .inviteToStage(try member())
        case "move_to_audience": return .moveToAudience(try member())
        case "make_moderator": return .makeModerator(try member())
        case "mute_member": return .muteMember(try member())
        case "remove": return .remove(try member())
        case "ban": return .ban(try member())
        case "end_room": return .endRoom
        case "leave": return .leave
        default: throw ParseError(message: "unknown command \"\(name)\" (one of \(names.joined(separator: ", ")))")
        }
    }
}
