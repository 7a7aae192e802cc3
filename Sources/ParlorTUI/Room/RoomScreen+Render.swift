import ParlorAudio
import ParlorClient
import ParlorCrypto

/// Drawing the room: a title bar, lasting notices, the panels (stage, raised hands, audience, and
/// the event log when there is room), the event line, the key hints and the status line; an
/// overlay on top when one is open. Everything is measured from the terminal's size.
extension RoomScreen {
    /// Below this the screen only asks for a bigger terminal.
    static let minimumWidth = 40
    static let minimumHeight = 12
    /// From this width the panels stand in two columns and the log gets its own panel.
    static let wideLayoutWidth = 120
    /// Notices shown at most (the newest win).
    static let noticeRows = 2
    /// Cells in the microphone meter and in a speaker's level meter.
    static let microphoneMeterCells = 10
    static let speakerMeterCells = 5
    /// The quietest level a meter shows, in dBFS.
    static let meterFloor: Float = -60

    public func render(width: Int, height: Int) -> Screen {
        var screen = Screen(width: width, height: height)
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else {
            screen.put("Parlor needs at least \(Self.minimumWidth)×\(Self.minimumHeight)", row: 0, column: 0, group: "error")
            screen.put("(this terminal is \(width)×\(height))", row: 1, column: 0, group: "dim")
            return screen
        }
        renderHeader(on: &screen)
        var top = 1
        for notice in notices.suffix(Self.noticeRows) {
            screen.put("! " + notice, row: top, column: 1, group: "error", until: width - 1)
            top += 1
        }
        let bottom = renderChat(on: &screen, top: top, bottom: height - 3)
        if width >= Self.wideLayoutWidth {
            renderWide(on: &screen, top: top, bottom: bottom)
        } else {
            renderNarrow(on: &screen, top: top, bottom: bottom)
        }
        renderEventLine(on: &screen, row: height - 3)
        renderHints(on: &screen, row: height - 2)
        renderStatus(on: &screen, row: height - 1)
        renderOverlay(on: &screen)
        return screen
    }

    // MARK: - Bars

    private func renderHeader(on screen: inout Screen) {
        let width = screen.width
        var right: [(String, HighlightGroup)] = []
        if isReconnecting {
            right.append((" RECONNECTING… ", "error"))
        } else if !hasJoined {
            right.append((" JOINING… ", "badge-listening"))
        } else if room.isOnStage {
            right.append(room.isMuted ? (" MUTED ", "badge-muted") : (" LIVE ", "badge-live"))
        } else {
            right.append((room.myself?.handRaised == true ? " LISTENING · HAND UP " : " LISTENING ", "badge-listening"))
        }
        if let code = room.safetyCode { right.append((" E2E \(code) ", "badge-secure")) }
        let rightWidth = right.reduce(0) { $0 + Screen.columns(of: $1.0) + 1 }
        var x = width - rightWidth
        for (text, group) in right {
            x = screen.put(text, row: 0, column: x, group: group) + 1
        }
        let title = room.title ?? (hasJoined ? "Parlor room" : "Joining the room…")
        screen.put(" Parlor · ", row: 0, column: 0, group: "dim")
        screen.put(title, row: 0, column: 10, group: "title", until: width - rightWidth - 1)
    }

    private func renderEventLine(on screen: inout Screen, row: Int) {
        guard let last = log.last else { return }
        let group: HighlightGroup = last.isError ? "error" : (sinceLastEvent < Self.freshEventMilliseconds ? "event" : "dim")
        screen.put(last.text, row: row, column: 1, group: group, until: screen.width - 1)
    }

    private func renderHints(on screen: inout Screen, row: Int) {
        if renderDraft(on: &screen, row: row) { return }
        if case .commandLine(let text) = overlay {
            let end = screen.put("/" + text, row: row, column: 1, group: "command", until: screen.width - 2)
            screen.put("█", row: row, column: end, group: "command")
            return
        }
        var hints: [(Action, String)] = [(.hand, "hand"), (.mute, "mute"), (.act, "act"), (.invite, "invite"),
                                         (.chat, chat.unread > 0 ? "chat (\(chat.unread) new)" : "chat"),
                                         (.command, "command"), (.help, "help"), (.quit, "leave")]
        if !room.isOnStage { hints.remove(at: 1) }
        var x = 1
        for (action, label) in hints {
            let keys = keyNames(action)
            guard !keys.isEmpty else { continue }
            x = screen.put(keys, row: row, column: x, group: "title", until: screen.width - 1)
            x = screen.put(" \(label)  ", row: row, column: x, group: "dim", until: screen.width - 1)
        }
    }

    private func renderStatus(on screen: inout Screen, row: Int) {
        var x = 1
        func put(_ text: String, _ group: HighlightGroup = "status") {
            x = screen.put(text, row: row, column: x, group: group, until: screen.width - 1)
        }
        put("RTT " + (quality.roundTripMilliseconds.map { "\(Int($0.rounded())) ms" } ?? "–"))
        put("  loss \(Self.oneDecimal(quality.lossPercent)) %")
        put("  jitter \(Int(quality.jitterMilliseconds.rounded())) ms")
        put(quality.udp ? "  UDP" : "  TCP")
        put("  mic ")
        let (filled, peak) = Self.meter(quality.microphone, cells: Self.microphoneMeterCells)
        put(String(repeating: "█", count: filled), peak ? "meter-peak" : "meter")
        put(String(repeating: "░", count: Self.microphoneMeterCells - filled), "dim")
        put(" \(Int(max(quality.microphone, LevelMeter.floor).rounded())) dB")
        // What the capture chain does to this member's microphone, once it speaks.
        if room.isOnStage { put("  " + capture.summary) }
        // Audio lost on this machine is never silent (#15).
        if quality.audioGlitches > 0 { put("  audio glitches \(quality.audioGlitches)", "error") }
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Cells to fill for `level` dBFS, and whether it is near full scale.
    static func meter(_ level: Float, cells: Int) -> (filled: Int, peak: Bool) {
        let fraction = min(max((level - meterFloor) / -meterFloor, 0), 1)
        return (Int((fraction * Float(cells)).rounded()), level > -3)
    }

    // MARK: - Panels

    private func renderNarrow(on screen: inout Screen, top: Int, bottom: Int) {
        var panels = [stagePanel]
        if room.isModerator { panels.append(handsPanel) }
        panels.append(audiencePanel)
        let heights = Panel.heights(panels, rows: bottom - top, priority: Array(panels.indices), spare: 0)
        var row = top
        for (panel, h) in zip(panels, heights) where h > 0 {
            panel.draw(on: &screen, row: row, column: 0, height: h, width: screen.width, selected: selected?.text)
            row += h
        }
    }

    private func renderWide(on screen: inout Screen, top: Int, bottom: Int) {
        let leftWidth = screen.width * 11 / 20
        let rows = bottom - top
        stagePanel.draw(on: &screen, row: top, column: 0, height: rows, width: leftWidth, selected: selected?.text)
        var panels: [Panel] = []
        if room.isModerator { panels.append(handsPanel) }
        panels.append(audiencePanel)
        panels.append(logPanel)
        let heights = Panel.heights(panels, rows: rows, priority: Array(panels.indices), spare: panels.count - 1)
        var row = top
        for (panel, h) in zip(panels, heights) where h > 0 {
            panel.draw(on: &screen, row: row, column: leftWidth, height: h, width: screen.width - leftWidth, selected: selected?.text)
            row += h
        }
    }

    private var stagePanel: Panel {
        let lines = room.stage.map { person -> PanelLine in
            var segments: [PanelLine.Segment] = []
            let level = person.id == room.me ? quality.microphone : (quality.levels[person.id] ?? LevelMeter.floor)
            let isTalking = !person.muted && (person.id == room.me
                ? !room.isMuted && quality.microphone > LevelMeter.talkingThreshold
                : talking.contains(person.id))
            if person.muted || (person.id == room.me && room.isMuted) {
                segments.append(.init(text: "× ", group: "muted"))
            } else {
                segments.append(.init(text: isTalking ? "◉ " : "○ ", group: isTalking ? "talking" : "dim"))
            }
            let nameGroup: HighlightGroup = isTalking ? "talking" : (person.role == .host ? "host" : (person.role == .moderator ? "moderator" : "speaker"))
            segments.append(.init(text: person.displayName + (person.id == room.me ? " (you)" : ""), group: nameGroup))
            if person.role >= .moderator { segments.append(.init(text: "  \(person.role.name)", group: "dim")) }
            if isTalking {
                let (filled, peak) = Self.meter(level, cells: Self.speakerMeterCells)
                segments.append(.init(text: "  " + String(repeating: "▮", count: max(filled, 1)), group: peak ? "meter-peak" : "meter"))
            }
            if person.muted || (person.id == room.me && room.isMuted) { segments.append(.init(text: "  muted", group: "muted")) }
            if let gain = volumes[person.id], gain != 1 { segments.append(.init(text: "  vol \(volumePercent(person.id)) %", group: "dim")) }
            let badge = reactionBadge(for: person.id)
            if !badge.isEmpty { segments.append(.init(text: badge, group: "event")) }
            return PanelLine(segments, key: person.id.text)
        }
        return Panel(title: "Stage (\(room.stage.count))", lines: lines.isEmpty ? [PanelLine("Nobody on stage yet", group: "dim")] : lines)
    }

    private var handsPanel: Panel {
        let lines = room.raisedHands.enumerated().map { index, person in
            PanelLine([.init(text: "\(index + 1). ", group: "dim"), .init(text: "✋ " + person.displayName, group: "hand")], key: person.id.text)
        }
        let hint = "\(keyNames(.act)) on a hand to invite or dismiss"
        return Panel(title: "Raised hands (\(lines.count))", lines: lines.isEmpty ? [PanelLine("No hands raised", group: "dim")] : lines + [PanelLine(hint, group: "dim")])
    }

    private var audiencePanel: Panel {
        let audience = room.audience
        var lines: [PanelLine] = []
        if room.isModerator {
            let named = audience.filter(\.listed)
            let unnamed = audience.count - named.count
            lines = named.map { PanelLine($0.displayName, group: "audience", key: $0.id.text) }
            if unnamed > 0 { lines.append(PanelLine("\(unnamed) \(unnamed == 1 ? "listener" : "listeners") not named", group: "dim")) }
            if audience.isEmpty { lines.append(PanelLine("Nobody in the audience yet", group: "dim")) }
            return Panel(title: "Audience (\(audience.count))" + audienceReactions, lines: lines)
        }
        if let me = room.myself, !me.isOnStage {
            var segments: [PanelLine.Segment] = [.init(text: me.displayName + " (you)", group: "audience")]
            if me.handRaised { segments.append(.init(text: "  ✋ hand up", group: "hand")) }
            lines.append(PanelLine(segments, key: me.id.text))
        }
        lines += audience.filter { $0.listed && $0.id != room.me }.map { PanelLine($0.displayName, group: "audience", key: $0.id.text) }
        lines.append(PanelLine("Only moderators see who else listens", group: "dim"))
        return Panel(title: "Audience" + audienceReactions, lines: lines)
    }

    private var logPanel: Panel {
        Panel(title: "Events", lines: log.reversed().map { PanelLine($0.text, group: $0.isError ? "error" : "event") })
    }

    // MARK: - Overlays

    private func renderOverlay(on screen: inout Screen) {
        switch overlay {
        case .none, .commandLine: return
        case .help: renderHelp(on: &screen)
        case .links(let selected): renderLinks(selected: selected, on: &screen)
        case let .menu(target, actions, index):
            var lines = actions.enumerated().map { i, action in
                PanelLine(action.rule.label, group: i == index ? "selected" : "help")
            }
            lines.append(PanelLine("\(keyNames(.act)) choose · Esc close", group: "dim"))
            drawOverlay(Panel(title: room.person(target)?.displayName ?? target.text, lines: lines), on: &screen, narrow: true)
        case let .confirm(question, _, _):
            let lines = Self.wrap(question, width: overlayWidth(screen, narrow: true) - 4).map { PanelLine($0, group: "help") }
                + [PanelLine(""), PanelLine("y yes · n no", group: "title")]
            drawOverlay(Panel(title: "Are you sure?", lines: lines), on: &screen, narrow: true)
        case .ended(let message):
            let lines = Self.wrap(message, width: overlayWidth(screen, narrow: true) - 4).map { PanelLine($0, group: "help") }
                + [PanelLine(""), PanelLine("Press any key to close", group: "dim")]
            drawOverlay(Panel(title: "Parlor", lines: lines), on: &screen, narrow: true)
        }
    }

    private func renderHelp(on screen: inout Screen) {
        var lines: [PanelLine] = []
        let keyColumn = Action.allCases.map { Screen.columns(of: keyNames($0)) }.max() ?? 0
        for action in Action.allCases {
            let keys = keyNames(action)
            lines.append(PanelLine([.init(text: keys + String(repeating: " ", count: keyColumn - Screen.columns(of: keys) + 2), group: "title"),
                                    .init(text: action.summary, group: "help")]))
        }
        let width = overlayWidth(screen) - 4
        let roomForCommands = screen.height - 4 - lines.count - 3
        lines.append(PanelLine(""))
        if roomForCommands >= SlashCommand.all.count + 1 {
            lines.append(PanelLine("Commands after \(keyNames(.command)) (Tab completes):", group: "title"))
            for command in SlashCommand.all {
                lines.append(PanelLine([.init(text: "/" + command.name.padding(toLength: 10), group: "title"),
                                        .init(text: command.summary, group: "help")]))
            }
        } else {
            let names = SlashCommand.all.map { "/" + $0.name }.joined(separator: " ")
            lines += Self.wrap("Commands (Tab completes): " + names, width: width).map { PanelLine($0, group: "help") }
        }
        if let code = room.safetyCode {
            lines += Self.wrap("Safety code: \(code); the same for everyone here means nobody listens in between.", width: width)
                .map { PanelLine($0, group: "badge-secure") }
        }
        lines.append(PanelLine("Any key closes · keys are set in keymap.toml", group: "dim"))
        drawOverlay(Panel(title: "Help", lines: lines), on: &screen)
    }

    private func overlayWidth(_ screen: Screen, narrow: Bool = false) -> Int {
        min(screen.width - 4, narrow ? 56 : 84)
    }

    private func drawOverlay(_ panel: Panel, on screen: inout Screen, narrow: Bool = false) {
        let width = overlayWidth(screen, narrow: narrow)
        let height = min(panel.wantedHeight, screen.height - 2)
        let row = max((screen.height - height) / 2, 1)
        let column = (screen.width - width) / 2
        for y in row..<row + height {
            screen.put(String(repeating: " ", count: width), row: y, column: column)
        }
        panel.draw(on: &screen, row: row, column: column, height: height, width: width, selected: nil)
    }

    /// `text` in lines of at most `width` columns, broken between words; longer words (links) are cut.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            let needed = Screen.columns(of: line) + (line.isEmpty ? 0 : 1) + Screen.columns(of: word)
            if needed <= width {
                line += (line.isEmpty ? "" : " ") + word
                continue
            }
            if !line.isEmpty { lines.append(line) }
            line = ""
            while Screen.columns(of: word) > width {
                var head = ""
                for ch in word {
                    if Screen.columns(of: head) + Screen.columns(of: ch) > width { break }
                    head.append(ch)
                }
                lines.append(head)
                word = String(word.dropFirst(head.count))
            }
            line = word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

extension String {
    /// The string padded with spaces (or cut) to `length` characters.
    func padding(toLength length: Int) -> String {
        count >= length ? String(prefix(length)) : self + String(repeating: " ", count: length - count)
    }
}
