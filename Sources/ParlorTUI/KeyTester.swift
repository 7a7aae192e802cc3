/// `parlor keys`: shows the name Parlor gives each key pressed, the spelling keymap.toml uses.
/// Elm-style: a state value, an update from a key to a new state, a render to a `Screen`.
public struct KeyTester: TerminalProgram, Equatable, Sendable {
    /// The most recent keys, newest last.
    public private(set) var recent: [Key] = []
    /// True once the user asked to quit.
    public private(set) var isFinished = false
    /// How many keys are remembered on screen.
    public static let remembered = 8

    public init() {}

    /// Applies one key press. `q` quits; so does Ctrl-C, which curses delivers in cbreak mode as a signal.
    public mutating func update(key: Key) -> [Never] {
        if key == .character("q") {
            isFinished = true
        } else if key != .resize {
            recent.append(key)
            if recent.count > KeyTester.remembered { recent.removeFirst(recent.count - KeyTester.remembered) }
        }
        return []
    }

    public mutating func update(event: Never) -> [Never] {}

    public mutating func tick(milliseconds: Int) -> [Never] { [] }

    /// Draws the tester inside a box that fits the terminal.
    public func render(width: Int, height: Int) -> Screen {
        var screen = Screen(width: width, height: height)
        let boxWidth = min(width, 60)
        let boxHeight = min(height, KeyTester.remembered + 5)
        screen.box(row: 0, column: 0, height: boxHeight, width: boxWidth)
        let inside = boxWidth - 1
        screen.put(" Parlor key names ", row: 0, column: 2, group: "title", until: inside - 1)
        screen.put("Press keys to see their keymap.toml names; q quits.", row: 1, column: 2, until: inside)
        for (i, key) in recent.reversed().enumerated() where i + 3 < boxHeight - 1 {
            screen.put(i == 0 ? "last:" : "     ", row: i + 3, column: 2, group: "dim")
            screen.put(key.name, row: i + 3, column: 8, group: i == 0 ? "selected" : .normal, until: inside)
        }
        return screen
    }
}
