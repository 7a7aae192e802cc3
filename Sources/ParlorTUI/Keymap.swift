import Foundation
import TOMLKit

/// Which keys do which `Action`. The defaults avoid F1, F10 and F11, which terminals and desktops
/// take for themselves. `$XDG_CONFIG_HOME/parlor/keymap.toml` replaces an action's keys:
///
///     hand = ["h", "ctrl-h"]
///     quit = ["q", "ctrl-q"]
///
/// Key names are those `parlor keys` shows.
public struct Keymap: Equatable, Sendable {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let source: String
        public let message: String
        public var description: String { "keymap \(source): \(message)" }
    }

    /// Key names for each action.
    public private(set) var keys: [Action: [String]]

    public static let defaults = Keymap(keys: [
        .hand: ["h"], .mute: ["m"], .up: ["up", "k"], .down: ["down", "j"], .act: ["enter"],
        .invite: ["i"], .help: ["?"], .command: ["/"], .quit: ["q"], .volumeUp: ["+"], .volumeDown: ["-"],
        .chat: ["c"],
    ])

    /// The action bound to `key`, if any.
    public func action(for key: Key) -> Action? {
        let name = key.name
        return Action.allCases.first { keys[$0]?.contains(name) == true }
    }

    /// The defaults with the actions in `text` rebound. Each key may do one action only.
    public static func parse(_ text: String, source: String) throws(ParseError) -> Keymap {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw ParseError(source: source, message: "\(error)")
        }
        var map = defaults
        for (name, value) in table {
            guard let action = Action(rawValue: name) else {
                throw ParseError(source: source, message: "unknown action \"\(name)\" (actions: \(Action.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let names = (value.array ?? TOMLArray()).compactMap(\.string)
            guard !names.isEmpty, names.count == value.array?.count else {
                throw ParseError(source: source, message: "\(name) must be a list of key names, like [\"h\"]")
            }
            map.keys[action] = names
        }
        var owner: [String: Action] = [:]
        for action in Action.allCases {
            for key in map.keys[action] ?? [] {
                if let other = owner[key] {
                    throw ParseError(source: source, message: "key \"\(key)\" is bound to both \(other.rawValue) and \(action.rawValue)")
                }
                owner[key] = action
            }
        }
        return map
    }

    /// The user's keymap file, or the defaults when there is none.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Keymap {
        let folder = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? "") + "/.config")
        let path = folder + "/parlor/keymap.toml"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return defaults }
        return try parse(text, source: path)
    }
}
