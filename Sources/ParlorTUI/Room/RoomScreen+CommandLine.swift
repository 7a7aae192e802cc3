import Foundation
import ParlorClient
import ParlorProtocol

/// The `/` command line: typing, Tab completion of command names and people, and running.
extension RoomScreen {
    mutating func commandLineKey(_ key: Key, text: String) -> [Effect] {
        switch key {
        case .escape:
            overlay = nil
        case .backspace:
            if text.isEmpty { overlay = nil } else { overlay = .commandLine(String(text.dropLast())) }
        case .tab:
            overlay = .commandLine(complete(text))
        case .enter:
            overlay = nil
            return run(text)
        case .character(let c):
            overlay = .commandLine(text + String(c))
        default:
            break
        }
        return []
    }

    /// `text` completed as far as it is unambiguous: a command name, then a person's name.
    public func complete(_ text: String) -> String {
        guard let space = text.firstIndex(of: " ") else {
            let matches = SlashCommand.all.map(\.name).filter { $0.hasPrefix(text.lowercased()) }
            guard let first = matches.first else { return text }
            if matches.count == 1 { return first + (SlashCommand(name: first)!.argument == .none ? "" : " ") }
            return Self.commonPrefix(matches).count > text.count ? Self.commonPrefix(matches) : text
        }
        let name = String(text[..<space])
        guard let command = SlashCommand(name: name), command.argument != .none else { return text }
        let typed = String(text[text.index(after: space)...])
        let names = completionPeople.map(\.displayName).filter { $0.lowercased().hasPrefix(typed.lowercased()) }
        guard let first = names.first else { return text }
        let completed = names.count == 1 ? first + (command.argument == .personAndPercent ? " " : "") : Self.commonPrefix(names)
        return completed.count >= typed.count ? name + " " + completed : text
    }

    /// People a command can name: everyone this client sees but itself.
    private var completionPeople: [RoomPerson] { room.people.filter { $0.id != room.me } }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for word in words.dropFirst() {
            while !word.lowercased().hasPrefix(prefix.lowercased()) { prefix.removeLast() }
        }
        return prefix
    }

    /// Runs one command line.
    mutating func run(_ line: String) -> [Effect] {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return [] }
        let name = String(trimmed.prefix { $0 != " " })
        let rest = String(trimmed.dropFirst(name.count)).trimmingCharacters(in: .whitespaces)
        if let effects = runChatCommand(name.lowercased(), rest) { return effects }
        guard let command = SlashCommand(name: name.lowercased()) else {
            note("Unknown command /\(name); commands: \(SlashCommand.all.map(\.name).joined(separator: ", "))", isError: true)
            return []
        }
        switch command.argument {
        case .none: return run(command)
        case .person:
            guard case .moderate(let action) = command, let target = person(named: rest, for: command) else { return [] }
            return choose(action, on: target)
        case .personAndPercent:
            let words = rest.split(separator: " ")
            guard let last = words.last, let percent = Int(last), (0...200).contains(percent) else {
                note("Usage: /volume NAME PERCENT (0 to 200)", isError: true)
                return []
            }
            guard let target = person(named: words.dropLast().joined(separator: " "), for: command) else { return [] }
            selection = target
            return changeVolume(by: Float(percent) / 100 - (volumes[target] ?? 1))
        }
    }

    private mutating func run(_ command: SlashCommand) -> [Effect] {
        switch command {
        case .hand: return room.myself?.handRaised == true ? [] : toggleHand()
        case .lower: return room.myself?.handRaised == true ? toggleHand() : []
        case .mute: return room.isMuted ? [] : toggleMute()
        case .unmute: return room.isMuted ? toggleMute() : []
        case .accept:
            guard room.invitationPending else {
                note("Nobody has invited you on stage", isError: true)
                return []
            }
            return [.perform(.acceptInvite)]
        case .moderate(let action):
            // An action on the room (one on a person takes a name, and comes through `run(_:)`).
            guard let me = room.me, room.isModerator else {
                note("Only moderators can \(action.phrase)", isError: true)
                return []
            }
            return choose(action, on: me)
        case .links:
            if links == nil { note("No invite link to show yet", isError: true) } else { overlay = .links(selected: 0) }
        case .help: overlay = .help
        case .leave: return leave()
        case .volume: break
        }
        return []
    }

    /// The one person `text` names: a whole name, the start of just one name, or a member id.
    private mutating func person(named text: String, for command: SlashCommand) -> MemberID? {
        let wanted = text.lowercased()
        guard !wanted.isEmpty else {
            note("/\(command.name) needs a name (Tab completes)", isError: true)
            return nil
        }
        let people = completionPeople
        if let exact = people.first(where: { $0.displayName.lowercased() == wanted || $0.id.text == wanted }) { return exact.id }
        let matches = people.filter { $0.displayName.lowercased().hasPrefix(wanted) || $0.id.text.hasPrefix(wanted) }
        if matches.count == 1 { return matches[0].id }
        note(matches.isEmpty ? "Nobody here is called \(text)" : "\(text) could be \(matches.map(\.displayName).joined(separator: " or "))",
             isError: true)
        return nil
    }
}
