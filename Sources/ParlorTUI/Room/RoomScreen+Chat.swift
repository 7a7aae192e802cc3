import ParlorClient
import ParlorCrypto

/// The chat pane and reactions on the room screen: `c` writes (Enter sends, Esc drops it), `t`
/// shows or hides the pane (hidden, the hint counts what arrived), PgUp/PgDn scroll it, 1–5 react
/// (`t` and the digits only where the keymap gives them no action)
/// (👏 ❤️ 😂 🙋 ➕); `/say`, `/react`, `/delete N` (moderators) and `/chat everyone|stage|off` (the
/// host) do the same from the command line. Reactions show beside a person on stage for a few
/// seconds, and are counted for the audience.
extension RoomScreen {
    /// The keys that send each reaction, in `Reaction.allCases` order.
    static let reactionKeys: [Character] = ["1", "2", "3", "4", "5"]
    /// The key that shows or hides the pane.
    static let chatPaneKey: Character = "t"

    // MARK: - Keys

    /// Keys while writing; nil when not writing.
    mutating func chatDraftKey(_ key: Key) -> [Effect]? {
        guard let draft = chat.draft else { return nil }
        switch key {
        case .escape: chat.draft = nil
        case .backspace: chat.draft = String(draft.dropLast())
        case .enter:
            chat.draft = nil
            return say(draft)
        case .character(let c): chat.draft = draft + String(c)
        default: break
        }
        return []
    }

    /// The chat's own keys outside writing; nil when `key` is not one of them.
    mutating func chatKey(_ key: Key) -> [Effect]? {
        switch key {
        case .pageUp:
            chat.scrollBack += chatRowsPerPage
            return []
        case .pageDown:
            chat.scrollBack = max(chat.scrollBack - chatRowsPerPage, 0)
            if chat.scrollBack == 0 { chat.markRead() }
            return []
        case .character(let c) where keymap.action(for: key) == nil:
            if c == Self.chatPaneKey {
                toggleChatPane()
                return []
            }
            guard let index = Self.reactionKeys.firstIndex(of: c) else { return nil }
            return [.perform(.chat(.react(Reaction.allCases[index])))]
        default:
            return nil
        }
    }

    mutating func startWriting() {
        guard room.me != nil else { return }
        guard maySay else {
            note(room.chatPolicy == .off ? "The host turned the chat off" : "Only people on stage may write now", isError: true)
            return
        }
        chat.isVisible = true
        chat.scrollBack = 0
        chat.markRead()
        chat.draft = ""
    }

    mutating func toggleChatPane() {
        chat.isVisible.toggle()
        if chat.isVisible, chat.scrollBack == 0 { chat.markRead() }
    }

    private var maySay: Bool {
        switch room.chatPolicy {
        case .everyone: return true
        case .stage: return room.isOnStage
        case .off: return room.isModerator
        }
    }

    private mutating func say(_ text: String) -> [Effect] {
        let text = text.trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? [] : [.perform(.chat(.say(text)))]
    }

    /// `/say`, `/react`, `/delete`, `/chat`; nil for other commands.
    mutating func runChatCommand(_ name: String, _ rest: String) -> [Effect]? {
        switch name {
        case "say":
            guard maySay else {
                note(room.chatPolicy == .off ? "The host turned the chat off" : "Only people on stage may write now", isError: true)
                return []
            }
            return say(rest)
        case "react":
            guard let reaction = Reaction(name: rest) else {
                note("Usage: /react \(Reaction.allCases.map(\.name).joined(separator: "|"))", isError: true)
                return []
            }
            return [.perform(.chat(.react(reaction)))]
        case "delete":
            guard room.isModerator else {
                note("Only moderators can delete messages", isError: true)
                return []
            }
            guard let number = Int(rest), let entry = chat.entries.first(where: { $0.number == number }) else {
                note("Usage: /delete N (the number beside a message)", isError: true)
                return []
            }
            return [.perform(.chat(.delete(entry.id)))]
        case "chat":
            guard let policy = ChatPolicy(name: rest) else {
                note("Usage: /chat everyone|stage|off", isError: true)
                return []
            }
            return [.perform(.chat(.setPolicy(policy)))]
        default:
            return nil
        }
    }

    // MARK: - Events

    mutating func chatReceived(_ event: ChatEvent) {
        switch event {
        case .message(let line):
            let author = line.from.map { $0.id == room.me ? "You" : name($0) } ?? "Someone in the audience"
            chat.add(line, author: author)
        case let .deleted(id, by):
            if !chat.delete(id, by: name(by)) { note("\(name(by)) deleted a message") }
        case let .reaction(from, reaction):
            chat.react(reaction, from: from?.id)
        case .policy(let policy):
            switch policy {
            case .everyone: note("Everyone may write in the chat now")
            case .stage: note("Only people on stage may write in the chat now")
            case .off: note("The host turned the chat off")
            }
        }
    }

    // MARK: - Drawing

    /// Rows one PgUp/PgDn moves.
    private var chatRowsPerPage: Int { 4 }

    /// Draws the pane at the bottom of the panel area (when shown and there is room); returns
    /// the row above which the other panels go.
    func renderChat(on screen: inout Screen, top: Int, bottom: Int) -> Int {
        let rows = bottom - top
        guard chat.isVisible, rows >= 12 else { return bottom }
        let width = screen.width
        let lines = chatLines(width: width - 4)
        // As tall as the messages need, up to two fifths of the panel area (at most 14 rows).
        let height = min(max(lines.count, 1) + 2, min(max(rows * 2 / 5, 5), 14))
        let inside = height - 2
        let back = min(chat.scrollBack, max(lines.count - inside, 0))
        let window = Array(lines.dropLast(back).suffix(inside))
        var title = "Chat"
        if back > 0 { title += " · \(back) lines back (PgDn)" }
        if room.chatPolicy != .everyone { title += room.chatPolicy == .stage ? " · stage only" : " · off" }
        Panel(title: title, lines: window.isEmpty ? [PanelLine("No messages yet; \(keyNames(.chat)) writes", group: "dim")] : window)
            .draw(on: &screen, row: bottom - height, column: 0, height: height, width: width, selected: nil)
        return bottom - height
    }

    /// Every message as wrapped lines, oldest first: `[N] HH:MM Name: text` (the number for
    /// moderators only), continuation lines indented.
    func chatLines(width: Int) -> [PanelLine] {
        var lines: [PanelLine] = []
        for entry in chat.entries {
            let number = room.isModerator ? "[\(entry.number)] " : ""
            let head = number + entry.time + " " + entry.author + ": "
            let body = entry.deletedBy.map { "(deleted by \($0))" } ?? entry.text
            let wrapped = Self.wrap(head + body, width: width)
            for (index, text) in wrapped.enumerated() {
                if index == 0, text.hasPrefix(head.trimmingCharacters(in: .whitespaces)) {
                    let nameGroup: HighlightGroup = entry.role == .host ? "host" : (entry.role == .moderator ? "moderator" : "speaker")
                    lines.append(PanelLine([.init(text: number + entry.time + " ", group: "dim"), .init(text: entry.author, group: nameGroup),
                                            .init(text: String(text.dropFirst(number.count + entry.time.count + 1 + entry.author.count)),
                                                  group: entry.deletedBy == nil ? .normal : "dim")]))
                } else {
                    lines.append(PanelLine(text, group: entry.deletedBy == nil ? .normal : "dim"))
                }
            }
        }
        return lines
    }

    /// What is being written, on the hints row.
    func renderDraft(on screen: inout Screen, row: Int) -> Bool {
        guard let draft = chat.draft else { return false }
        let x = screen.put("say: ", row: row, column: 1, group: "title")
        let visible = String(draft.suffix(max(screen.width - x - 3, 1)))
        let end = screen.put(visible, row: row, column: x, group: "command", until: screen.width - 2)
        screen.put("█", row: row, column: end, group: "command")
        return true
    }

    /// The reactions on show beside a person on stage.
    func reactionBadge(for member: MemberID) -> String {
        let shown = chat.reactions(from: member)
        return shown.isEmpty ? "" : "  " + shown.suffix(3).map(\.emoji).joined(separator: " ")
    }

    /// The audience's reactions on show, counted, for the audience panel's title.
    var audienceReactions: String {
        let summary = chat.audienceSummary(stage: Set(room.stage.map(\.id)))
        return summary.isEmpty ? "" : " · " + summary
    }
}
