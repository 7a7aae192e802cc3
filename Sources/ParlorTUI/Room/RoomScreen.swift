import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol

/// The room as the terminal shows it, Elm-style: this value is the whole state; `update` turns a
/// key or a room event into a new state plus effects (room commands, volumes); `render` (in
/// RoomScreen+Render.swift) draws it as a `Screen`. Nothing here touches curses or the network.
public struct RoomScreen: TerminalProgram, Equatable, Sendable {
    public typealias Effect = RoomScreenEffect
    public typealias Event = RoomScreenEvent

    /// Events kept for the log (the wide layout shows as many as fit).
    static let logLength = 50
    /// How long the newest event stays highlighted on the event line.
    static let freshEventMilliseconds = 5_000
    /// One volume step, and the range a speaker's gain may take.
    static let volumeStep: Float = 0.1
    static let volumeRange: ClosedRange<Float> = 0...2

    public let keymap: Keymap
    /// Whether to ring the terminal bell for invitations and hands (config.toml's `bell`).
    public var bell = true
    /// The capture chain's parts that run, for the status line.
    public var capture = CaptureProcessor.Settings()
    /// The chat pane and reactions on show (RoomScreen+Chat.swift).
    public internal(set) var chat = ChatPane()
    /// The room as the client last reported it.
    public private(set) var room: RoomSnapshot
    public private(set) var links: RoomLinks?
    public private(set) var quality = LinkQuality()
    /// Members whose audio is above the talking threshold, from the client's talking events.
    public private(set) var talking: Set<MemberID> = []
    /// Lasting warnings (no sound card, audio at normal priority).
    public private(set) var notices: [String] = []
    /// What happened, oldest first.
    public private(set) var log: [RoomLogLine] = []
    public internal(set) var overlay: RoomOverlay?
    /// The selected person; nil selects the first one listed.
    public internal(set) var selection: MemberID?
    /// Gains set for speakers (absent: 1).
    public private(set) var volumes: [MemberID: Float] = [:]
    /// Whether the client has joined (before that the screen says it is joining).
    public private(set) var hasJoined = false
    public private(set) var isFinished = false
    /// Whether the connection dropped and the client is trying again.
    public private(set) var isReconnecting = false
    /// Milliseconds since the newest log line.
    public private(set) var sinceLastEvent = 0

    public init(keymap: Keymap = .defaults, room: RoomSnapshot = RoomSnapshot(), links: RoomLinks? = nil) {
        self.keymap = keymap
        self.room = room
        self.links = links
        hasJoined = room.me != nil
    }

    // MARK: - Selection

    /// The people that can be selected, top to bottom as drawn: raised hands (moderators only),
    /// the stage, then listeners who agreed to be named.
    public var selectable: [MemberID] {
        var ids: [MemberID] = []
        if room.isModerator { ids += room.raisedHands.map(\.id) }
        ids += room.stage.map(\.id)
        ids += room.audience.filter { $0.listed || $0.id == room.me }.map(\.id)
        var seen: Set<MemberID> = []
        return ids.filter { seen.insert($0).inserted }
    }

    /// The selected person, when anyone can be selected.
    public var selected: MemberID? {
        let ids = selectable
        if let selection, ids.contains(selection) { return selection }
        return ids.first
    }

    private mutating func moveSelection(by step: Int) {
        let ids = selectable
        guard !ids.isEmpty else { return }
        let index = selected.flatMap { ids.firstIndex(of: $0) } ?? 0
        selection = ids[min(max(index + step, 0), ids.count - 1)]
    }

    // MARK: - Keys

    public mutating func update(key: Key) -> [Effect] {
        guard key != .resize else { return [] }
        switch overlay {
        case .none: return chatDraftKey(key) ?? chatKey(key) ?? act(on: key)
        case .help:
            overlay = nil
            return []
        case .links(let selected):
            return linksKey(key, selected: selected)
        case .ended:
            isFinished = true
            return []
        case let .menu(target, actions, index):
            return menuKey(key, target: target, actions: actions, selected: index)
        case let .confirm(_, yes, thenLeave):
            switch key {
            case .character("y"), .character("Y"), .enter:
                overlay = nil
                if thenLeave { isFinished = true }
                return yes
            case .character("n"), .character("N"), .escape, .character("q"):
                overlay = nil
            default: break
            }
            return []
        case .commandLine(let text):
            return commandLineKey(key, text: text)
        }
    }

    private mutating func act(on key: Key) -> [Effect] {
        guard let action = keymap.action(for: key) else { return [] }
        switch action {
        case .hand: return toggleHand()
        case .mute: return toggleMute()
        case .up: moveSelection(by: -1)
        case .down: moveSelection(by: 1)
        case .act: return actOnSelection()
        case .invite:
            if links == nil { note("No invite link to show yet", isError: true) } else { overlay = .links(selected: 0) }
        case .help: overlay = .help
        case .command: overlay = .commandLine("")
        case .quit: return leave()
        case .volumeUp: return changeVolume(by: Self.volumeStep)
        case .volumeDown: return changeVolume(by: -Self.volumeStep)
        case .chat: startWriting()
        }
        return []
    }

    mutating func toggleHand() -> [Effect] {
        guard let me = room.myself else { return [] }
        if me.isOnStage {
            note("You are on stage already", isError: true)
            return []
        }
        return [.perform(me.handRaised ? .lowerHand : .raiseHand)]
    }

    mutating func toggleMute() -> [Effect] {
        guard room.isOnStage else {
            note("Only people on stage have a microphone; raise your hand to ask", isError: true)
            return []
        }
        return [.perform(room.isMuted ? .unmute : .mute)]
    }

    private mutating func actOnSelection() -> [Effect] {
        guard let target = selected, let person = room.person(target) else { return [] }
        let isMe = target == room.me
        if room.isModerator {
            let actions = ModerationAction.offered(by: room.myself?.role ?? .listener, on: person.state, isMe: isMe)
            if !actions.isEmpty {
                overlay = .menu(target: target, actions: actions, selected: 0)
                return []
            }
        }
        if person.isOnStage, !isMe {
            note("\(person.displayName): volume \(volumePercent(target)) % (\(keyNames(.volumeUp)) louder, \(keyNames(.volumeDown)) softer)")
        }
        return []
    }

    private mutating func menuKey(_ key: Key, target: MemberID, actions: [ModerationAction], selected index: Int) -> [Effect] {
        switch key == .escape ? .quit : keymap.action(for: key) {
        case .up: overlay = .menu(target: target, actions: actions, selected: max(index - 1, 0))
        case .down: overlay = .menu(target: target, actions: actions, selected: min(index + 1, actions.count - 1))
        case .act: return choose(actions[index], on: target)
        case .quit: overlay = nil
        default: break
        }
        return []
    }

    /// A moderator's action on `target` (ignored for an action on the room), asked first when
    /// the moderation table says so.
    mutating func choose(_ action: ModerationAction, on target: MemberID) -> [Effect] {
        overlay = nil
        let command: RoomCommand
        switch action.rule.whom {
        case .room: command = .moderate(action, member: nil)
        case .member: command = .moderate(action, member: target)
        }
        guard let question = action.question(about: room.person(target)?.displayName ?? target.text) else {
            return [.perform(command)]
        }
        overlay = .confirm(question: question, yes: [.perform(command)], thenLeave: false)
        return []
    }

    mutating func leave() -> [Effect] {
        if room.isHost || room.isOnStage {
            let question = room.isHost ? "You are hosting. Leave the room?" : "You are on stage. Leave the room?"
            overlay = .confirm(question: question, yes: [.perform(.leave)], thenLeave: true)
            return []
        }
        isFinished = true
        return [.perform(.leave)]
    }

    mutating func changeVolume(by step: Float) -> [Effect] {
        guard let target = selected, let person = room.person(target), person.isOnStage, target != room.me else {
            note("Select a speaker to change their volume", isError: true)
            return []
        }
        let gain = min(max((volumes[target] ?? 1) + step, Self.volumeRange.lowerBound), Self.volumeRange.upperBound)
        let rounded = (gain * 10).rounded() / 10
        volumes[target] = rounded
        note("\(person.displayName): volume \(volumePercent(target)) %")
        return [.setVolume(target, rounded)]
    }

    func volumePercent(_ id: MemberID) -> Int { Int(((volumes[id] ?? 1) * 100).rounded()) }

    /// The names of the keys bound to `action`, as the hint line and help show them.
    func keyNames(_ action: Action) -> String {
        (keymap.keys[action] ?? []).map(Self.displayName(ofKey:)).joined(separator: "/")
    }

    static func displayName(ofKey name: String) -> String {
        switch name {
        case "up": return "↑"
        case "down": return "↓"
        case "enter": return "Enter"
        default: return name
        }
    }

    mutating func note(_ text: String, isError: Bool = false) {
        log.append(RoomLogLine(text, isError: isError))
        if log.count > Self.logLength { log.removeFirst(log.count - Self.logLength) }
        sinceLastEvent = 0
    }

    // MARK: - Outside events

    public mutating func update(event: Event) -> [Effect] {
        switch event {
        case let .room(roomEvent, snapshot):
            let before = room
            room = snapshot
            return received(roomEvent) + notifications(for: roomEvent, before: before)
        case .quality(let q):
            quality = q
        case .notice(let text):
            if !notices.contains(text) { notices.append(text) }
        case .exited(let exit):
            switch exit {
            case .left: isFinished = true
            case .ended: overlay = .ended("The room has ended.")
            case .removed(let banned): overlay = .ended(banned ? "A moderator banned you from the room." : "A moderator removed you from the room.")
            case .failed(let why): overlay = .ended("Could not stay in the room: \(why)")
            }
        case .interrupted:
            isFinished = true
            return [.perform(.leave)]
        }
        return []
    }

    private mutating func received(_ event: RoomEvent) -> [Effect] {
        switch event {
        case let .roomCreated(_, listen, speak, _):
            links = RoomLinks(listen: listen, speak: speak)
            note("Room created; \(keyNames(.invite)) shows the invite links")
        case let .joined(title, _, _, _):
            hasJoined = true
            note(room.isHost ? "Your room is open; \(keyNames(.invite)) shows the invite links" : "You joined \(title ?? "the room")")
        case .memberJoined(let m): note("\(name(m)) joined")
        case .memberLeft(let m):
            talking.remove(m.id)
            note("\(name(m)) left")
        case .speakerAdded(let m):
            note(m.id == room.me ? "You are on stage; \(keyNames(.mute)) mutes you" : "\(name(m)) is on stage")
        case .speakerRemoved(let m):
            talking.remove(m.id)
            note(m.id == room.me ? "You are back in the audience" : "\(name(m)) left the stage")
        case .roleChanged(let m):
            note("\(name(m)) \(m.id == room.me ? "are" : "is") now \(Self.article(m.role)) \(m.role.name)")
        case .speakingStarted(let m): talking.insert(m.id)
        case .speakingStopped(let m): talking.remove(m.id)
        case .handRaised(let m):
            note(m.id == room.me ? "Your hand is up; \(keyNames(.hand)) lowers it" : "\(name(m)) raised a hand")
        case .handLowered(let m):
            note(m.id == room.me ? "Your hand is down" : "\(name(m))'s hand is down")
        case let .invitedToStage(by, role):
            overlay = .confirm(question: "\(name(by)) invites you on stage as \(role.name). Go up? (/accept later)",
                               yes: [.perform(.acceptInvite)], thenLeave: false)
        case let .muted(m, isMuted, byModerator):
            let who = m.id == room.me ? "You are" : "\(name(m)) is"
            note("\(who) \(isMuted ? "muted" : "live")\(byModerator && isMuted ? " (by a moderator)" : "")")
        case .removed(let banned): note(banned ? "You were banned" : "You were removed", isError: true)
        case .roomEnded(let reason): note("The room has ended: \(reason)")
        case let .reconnecting(attempt, delay):
            isReconnecting = true
            note("Connection lost; trying again in \(Self.seconds(delay)) s (attempt \(attempt))", isError: true)
        case .reconnected:
            isReconnecting = false
            note("Reconnected")
        case .rekeyed:
            // Every join and departure moves the room to a new key; the title bar shows its safety code.
            break
        case let .refused(_, reason): note("Refused: \(reason)", isError: true)
        case .audioForged(let m):
            talking.remove(m.id)
            note("Audio under \(name(m))'s name failed its signature: someone forged it; held back", isError: true)
        case .audioUnverified(let m): note("\(name(m))'s audio could not be checked for 5 s (loss, or a relay hiding a forgery)", isError: true)
        case let .linksChanged(listen, speak):
            links = RoomLinks(listen: listen, speak: speak)
            note("New invite links (the old ones admit nobody now); \(keyNames(.invite)) shows them")
        case let .error(_, message): note(message, isError: true)
        case .chat(let chatEvent): chatReceived(chatEvent)
        }
        return []
    }

    /// "You" for this client, else the member's name.
    func name(_ info: MemberInfo) -> String {
        if info.id == room.me { return "You" }
        if let person = room.person(info.id) { return person.displayName }
        return RoomPerson(id: info.id, name: info.name, role: info.role).displayName
    }

    static func article(_ role: Role) -> String { role == .host ? "the" : "a" }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    public mutating func tick(milliseconds: Int) -> [Effect] {
        sinceLastEvent = min(sinceLastEvent + milliseconds, Self.freshEventMilliseconds)
        chat.tick(milliseconds: milliseconds)
        return []
    }
}
