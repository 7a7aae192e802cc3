import ParlorClient
import ParlorProtocol

/// What sits on top of the room, taking the keys while it is open.
public enum RoomOverlay: Sendable, Equatable {
    /// Every live key binding and command.
    case help
    /// The invite links; `selected` is the one `y` copies (0 listen, 1 speak).
    case links(selected: Int)
    /// A moderator's actions on one person; `selected` indexes `actions`.
    case menu(target: MemberID, actions: [ModerationAction], selected: Int)
    /// A yes/no question; `yes` is done on y or Enter.
    case confirm(question: String, yes: [RoomScreenEffect], thenLeave: Bool)
    /// The `/` command line as typed so far.
    case commandLine(String)
    /// The stay is over; any key closes the screen.
    case ended(String)
}
