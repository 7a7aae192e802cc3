import CNCurses

/// One key press, as the TUI's update function sees it. `name` is the spelling used in
/// keymap.toml (`j`, `é`, `up`, `enter`, `ctrl-a`, `f5`, …).
public enum Key: Equatable, Sendable {
    case character(Character)
    case control(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case enter, escape, backspace, tab, backTab, delete, insert
    case function(Int)
    case resize
    case unknown(Int32)

    /// The key's name in keymap files.
    public var name: String {
        switch self {
        case .character(" "): return "space"
        case .character(let c): return String(c)
        case .control(let c): return "ctrl-\(c)"
        case .up: return "up"
        case .down: return "down"
        case .left: return "left"
        case .right: return "right"
        case .home: return "home"
        case .end: return "end"
        case .pageUp: return "pageup"
        case .pageDown: return "pagedown"
        case .enter: return "enter"
        case .escape: return "esc"
        case .backspace: return "backspace"
        case .tab: return "tab"
        case .backTab: return "shift-tab"
        case .delete: return "delete"
        case .insert: return "insert"
        case .function(let n): return "f\(n)"
        case .resize: return "resize"
        case .unknown(let code): return "key-\(code)"
        }
    }

    /// Decodes what `wget_wch` returned: `isKeyCode` is true for its KEY_CODE_YES results.
    public init(curses value: UInt32, isKeyCode: Bool) {
        if isKeyCode {
            self = Key.fromKeyCode(Int32(bitPattern: value))
            return
        }
        switch value {
        case 9: self = .tab
        case 10, 13: self = .enter
        case 27: self = .escape
        case 8, 127: self = .backspace
        case 1...26: self = .control(Character(Unicode.Scalar(value + 96)!))
        default:
            if let scalar = Unicode.Scalar(value) {
                self = .character(Character(scalar))
            } else {
                self = .unknown(Int32(bitPattern: value))
            }
        }
    }

    private static func fromKeyCode(_ code: Int32) -> Key {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_IC: return .insert
        case KEY_BTAB: return .backTab
        case KEY_RESIZE: return .resize
        case KEY_F0 + 1...KEY_F0 + 63: return .function(Int(code - KEY_F0))
        default: return .unknown(code)
        }
    }
}
