/// The invite-links page: each link shown whole on rows of its own from the first column, with
/// no border around it, so a mouse selection takes exactly the link; `y` copies the selected
/// one to the clipboard through the terminal (OSC 52); the arrows choose; any other key closes.
extension RoomScreen {
    /// The key that copies the selected link.
    static let copyKey = Key.character("y")
    /// How the person learns the copy went to the terminal, and what tmux needs for it.
    static let copiedHint = "(OSC 52; in tmux: set -g set-clipboard on)"

    /// The links in the order shown, with what each is for.
    var shownLinks: [(label: String, link: String)] {
        guard let links else { return [] }
        var shown = [("Listen link: anyone with it can listen", links.listen)]
        if let speak = links.speak { shown.append(("Speak link: joins straight onto the stage", speak)) }
        return shown
    }

    mutating func linksKey(_ key: Key, selected: Int) -> [Effect] {
        let shown = shownLinks
        guard !shown.isEmpty else {
            overlay = nil
            return []
        }
        let index = min(selected, shown.count - 1)
        if key == Self.copyKey {
            note("Copied the \(index == 0 ? "listen" : "speak") link to the clipboard \(Self.copiedHint)")
            return [.terminal(.copy(shown[index].link))]
        }
        switch key == .tab ? .down : keymap.action(for: key) {
        case .up: overlay = .links(selected: max(index - 1, 0))
        case .down: overlay = .links(selected: min(index + 1, shown.count - 1))
        default: overlay = nil
        }
        return []
    }

    private func firstKeyName(_ action: Action) -> String {
        keymap.keys[action]?.first.map(Self.displayName(ofKey:)) ?? ""
    }

    func renderLinks(selected: Int, on screen: inout Screen) {
        let bottom = screen.height - 3
        for row in 1..<bottom {
            screen.put(String(repeating: " ", count: screen.width), row: row, column: 0)
        }
        screen.put(" Invite links", row: 1, column: 0, group: "title")
        screen.put(" \(Self.copyKey.name) copies the selected link · \(firstKeyName(.up))/\(firstKeyName(.down)) choose · any other key closes",
                   row: 2, column: 0, group: "dim", until: screen.width)
        var row = 4
        for (index, (label, link)) in shownLinks.enumerated() {
            let chosen = index == min(selected, shownLinks.count - 1)
            screen.put((chosen ? "▸ " : "  ") + label, row: row, column: 0, group: chosen ? "selected" : "title", until: screen.width)
            row = screen.flow(link, row: row + 1, group: "help") + 1
        }
    }
}
