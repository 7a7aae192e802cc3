/// What a key can do in the room and hallway screens; the names are keymap.toml's keys.
public enum Action: String, CaseIterable, Sendable {
    case hand              // raise or lower your hand
    case mute              // mute or unmute yourself (on stage)
    case up, down          // move the selection
    case act = "select"    // act on the selection (join a room, invite a raised hand, …)
    case invite            // show the invite link
    case help              // the help overlay
    case command           // the `/` command line
    case quit              // leave (asks when on stage or hosting)
    case volumeUp = "volume-up", volumeDown = "volume-down"  // the selected speaker's volume
    case chat              // write in the chat

    /// One line for the help overlay.
    public var summary: String {
        switch self {
        case .hand: return "raise or lower your hand"
        case .mute: return "mute or unmute yourself"
        case .up: return "select the previous person or room"
        case .down: return "select the next person or room"
        case .act: return "act on the selection"
        case .invite: return "show the invite link"
        case .help: return "show or hide this help"
        case .command: return "type a command (Tab completes)"
        case .quit: return "leave"
        case .volumeUp: return "raise the selected speaker's volume"
        case .volumeDown: return "lower the selected speaker's volume"
        case .chat: return "chat (t hides, PgUp/PgDn scroll, 1–5 react)"
        }
    }
}
