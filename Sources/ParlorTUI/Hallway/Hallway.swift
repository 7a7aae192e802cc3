import Foundation
import ParlorClient

/// The hallway: where `parlor join` without a link starts. It lists "host a room", "join by link",
/// the rooms saved from earlier links and the rooms a relay lists publicly; Enter picks one (asking for a title or a link on the
/// input line where needed). A saved room is marked when its last visit found the link replaced
/// or the relay silent, or when a probe of its relay gets no answer; `d` (or Delete) forgets it,
/// once confirmed. Elm-style like the room screen: state, update, render; the choice is
/// read from `choice` once the program finishes.
public struct Hallway: TerminalProgram, Equatable, Sendable {
    public typealias Effect = HallwayEffect
    public typealias Event = HallwayEvent

    /// What a line of the hallway stands for.
    public enum Entry: Sendable, Equatable {
        case host, joinByLink
        case saved(SavedRoom)
        case listed(PublicRoom)
    }

    /// The title a new room gets when none is typed.
    public static let defaultTitle = "Parlor room"
    /// How a link starts.
    static let linkScheme = "parlor://"

    public let keymap: Keymap
    public private(set) var saved: [SavedRoom]
    /// The rooms a relay lists publicly (`parlor join --server`), with the relay they are on.
    public private(set) var listed: [PublicRoom]
    public let directoryRelay: String?
    /// The index of the selected entry.
    public private(set) var selected = 0
    public private(set) var prompt: HallwayPrompt?
    /// A problem with what was typed, shown until the next key.
    public private(set) var problem: String?
    public private(set) var choice: HallwayChoice?
    public private(set) var isFinished = false
    /// The saved room waiting for "forget it?" to be answered.
    public private(set) var forgetting: SavedRoom?
    /// What the probes found, by relay HOST:PORT.
    public private(set) var relayAnswers: [String: Bool] = [:]

    /// The keys that ask to forget the selected saved room.
    static let forgetKeys: [Key] = [.character("d"), .delete]

    public init(keymap: Keymap = .defaults, saved: [SavedRoom], listed: [PublicRoom] = [], directoryRelay: String? = nil) {
        self.keymap = keymap
        self.saved = saved
        self.listed = listed
        self.directoryRelay = directoryRelay
    }

    public var entries: [Entry] { [.host, .joinByLink] + saved.map(Entry.saved) + listed.map(Entry.listed) }

    public mutating func update(key: Key) -> [HallwayEffect] {
        guard key != .resize else { return [] }
        problem = nil
        if let prompt { return edit(prompt, key) }
        if let forgetting { return answerForget(forgetting, key) }
        if Self.forgetKeys.contains(key), case .saved(let room) = entries[selected] {
            forgetting = room
            return []
        }
        switch keymap.action(for: key) {
        case .up: selected = max(selected - 1, 0)
        case .down: selected = min(selected + 1, entries.count - 1)
        case .act:
            switch entries[selected] {
            case .host: prompt = .title("")
            case .joinByLink: prompt = .link("")
            case .saved(let room): finish(.join(link: room.link))
            case .listed(let room): finish(.join(link: room.link))
            }
        case .quit: isFinished = true
        default: break
        }
        return []
    }

    private mutating func edit(_ current: HallwayPrompt, _ key: Key) -> [HallwayEffect] {
        switch key {
        case .escape: prompt = nil
        case .backspace: prompt = current.with(String(current.text.dropLast()))
        case .character(let c): prompt = current.with(current.text + String(c))
        case .enter:
            let text = current.text.trimmingCharacters(in: .whitespaces)
            switch current {
            case .title: finish(.host(title: text.isEmpty ? Self.defaultTitle : text))
            case .link:
                guard text.hasPrefix(Self.linkScheme) else {
                    problem = "A link starts with \(Self.linkScheme); paste the whole link"
                    return []
                }
                finish(.join(link: text))
            }
        default: break
        }
        return []
    }

    private mutating func finish(_ choice: HallwayChoice) {
        self.choice = choice
        prompt = nil
        isFinished = true
    }

    public mutating func update(event: HallwayEvent) -> [HallwayEffect] {
        switch event {
        case let .relayProbed(relay, answers): relayAnswers[relay] = answers
        }
        return []
    }

    public mutating func tick(milliseconds: Int) -> [HallwayEffect] { [] }

    public func render(width: Int, height: Int) -> Screen {
        var screen = Screen(width: width, height: height)
        guard width >= RoomScreen.minimumWidth, height >= RoomScreen.minimumHeight else {
            screen.put("Parlor needs at least \(RoomScreen.minimumWidth)×\(RoomScreen.minimumHeight)", row: 0, column: 0, group: "error")
            return screen
        }
        screen.put(" Parlor · ", row: 0, column: 0, group: "dim")
        screen.put("Hallway", row: 0, column: 10, group: "title")
        let lines = entries.enumerated().map { index, entry -> PanelLine in
            let id = Self.selectionID(index)
            switch entry {
            case .host: return PanelLine([.init(text: "+ Host a new room", group: "host")], key: id)
            case .joinByLink: return PanelLine([.init(text: "→ Join by link…", group: "speaker")], key: id)
            case .saved(let room):
                var segments: [PanelLine.Segment] = [.init(text: "  " + room.title, group: "normal"), .init(text: "  on \(room.relay)", group: "dim")]
                if let mark = mark(of: room) { segments.append(.init(text: " · " + mark.text, group: "error")) }
                return PanelLine(segments, key: id)
            case .listed(let room):
                return PanelLine([.init(text: "◇ " + room.title, group: "normal"),
                                  .init(text: "  \(room.members) in the room, public on \(directoryRelay ?? "the relay")", group: "dim")], key: id)
            }
        }
        var footer = saved.isEmpty ? [PanelLine(""), PanelLine("Rooms you join are kept here for next time", group: "dim")] : []
        if let directoryRelay, listed.isEmpty { footer += [PanelLine(""), PanelLine("No public rooms on \(directoryRelay)", group: "dim")] }
        Panel(title: "Rooms", lines: lines + footer)
            .draw(on: &screen, row: 1, column: 0, height: height - 4, width: width, selected: Self.selectionID(selected))
        if let forgetting {
            screen.put("Forget “\(forgetting.title)”? Its link is deleted from this computer.", row: height - 3, column: 1,
                       group: "error", until: width - 1)
            screen.put("y forgets · n keeps", row: height - 1, column: 1, group: "title", until: width - 1)
            return screen
        }
        if let problem {
            screen.put(problem, row: height - 3, column: 1, group: "error", until: width - 1)
        } else {
            screen.put("Private rooms are reached by their link; nothing about them is public.", row: height - 3, column: 1, group: "dim", until: width - 1)
        }
        if let prompt {
            let label = { if case .title = prompt { return "Title: " } else { return "Link: " } }()
            var x = screen.put(label, row: height - 2, column: 1, group: "title")
            x = screen.put(prompt.text.suffix(max(width - x - 2, 0)), row: height - 2, column: x, group: "command")
            screen.put("█", row: height - 2, column: x, group: "command")
            screen.put("Enter confirms · Esc goes back", row: height - 1, column: 1, group: "dim", until: width - 1)
        } else {
            let act = (keymap.keys[.act] ?? []).map(RoomScreen.displayName(ofKey:)).joined(separator: "/")
            let move = ((keymap.keys[.up] ?? []) + (keymap.keys[.down] ?? [])).map(RoomScreen.displayName(ofKey:)).joined(separator: "/")
            let quit = (keymap.keys[.quit] ?? []).joined(separator: "/")
            let forget = { if case .saved = entries[selected] { return " · d forget" } else { return "" } }()
            screen.put("\(move) select · \(act) choose\(forget) · \(quit) quit", row: height - 1, column: 1, group: "dim", until: width - 1)
        }
        return screen
    }

    /// The panel key of the entry at `index`.
    static func selectionID(_ index: Int) -> String { "entry \(index)" }
}

extension Hallway {
    /// What the hallway says is wrong with `room`: a probe's fresh answer about its relay wins
    /// over the mark its last visit left.
    public func mark(of room: SavedRoom) -> SavedRoomMark? {
        switch relayAnswers[room.relay] {
        case false?: return .relayUnreachable
        case true?: return room.mark == .relayUnreachable ? nil : room.mark
        case nil: return room.mark
        }
    }

    private mutating func answerForget(_ room: SavedRoom, _ key: Key) -> [HallwayEffect] {
        switch key {
        case .character("y"), .character("Y"):
            forgetting = nil
            saved.removeAll { $0.link == room.link }
            selected = min(selected, entries.count - 1)
            return [.forget(room)]
        case .character("n"), .character("N"), .escape, .character("q"):
            forgetting = nil
        default: break
        }
        return []
    }
}
