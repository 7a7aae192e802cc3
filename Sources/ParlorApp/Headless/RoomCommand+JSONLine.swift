import Foundation
import ParlorClient
import ParlorProtocol

/// The headless form of a face's commands: one JSON object a line on stdin,
/// `{"command":"invite_to_stage","member":"1a2b3c4d5e6f"}` (docs/HEADLESS.md §Commands).
extension RoomCommand {
    /// A command line that cannot be carried out, and why; answered with an `error` event.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The commands about oneself, by name; the moderator's commands are the moderation table's
    /// `headlessName`s.
    static let ownCommands: [(name: String, command: RoomCommand)] = [
        ("raise_hand", .raiseHand), ("lower_hand", .lowerHand), ("mute", .mute), ("unmute", .unmute),
        ("accept_invite", .acceptInvite), ("leave", .leave),
    ]

    /// Every command name, for error messages.
    public static var names: [String] {
        ownCommands.map(\.name) + ModerationAction.allCases.map(\.rule.headlessName) + ChatCommand.names
    }

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
        // `mute` with a member is a moderator muting someone.
        if name == "mute", raw != nil { return .moderate(.mute, member: try member()) }
        if let own = ownCommands.first(where: { $0.name == name }) { return own.command }
        guard let action = ModerationAction(headlessName: name) else {
            throw ParseError(message: "unknown command \"\(name)\" (one of \(names.joined(separator: ", ")))")
        }
        switch action.rule.whom {
        case .room: return .moderate(action, member: nil)
        case .member: return .moderate(action, member: try member())
        }
    }
}
