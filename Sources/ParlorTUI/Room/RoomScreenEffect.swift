import ParlorClient

/// What the room screen asks of the world outside it.
public enum RoomScreenEffect: Sendable, Equatable {
    /// Carry out a room command.
    case perform(RoomCommand)
    /// Play a speaker at a gain (1 as sent).
    case setVolume(MemberID, Float)
    /// Ask the terminal for something (copy to the clipboard, ring the bell).
    case terminal(TerminalRequest)
}
