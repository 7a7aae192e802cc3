import ParlorClient

/// What reaches the room screen from outside the terminal.
public enum RoomScreenEvent: Sendable, Equatable {
    /// The room client reported `event`; `snapshot` is the room just after it.
    case room(RoomEvent, RoomSnapshot)
    /// Fresh network figures and audio levels.
    case quality(LinkQuality)
    /// Something the person should know for the whole stay (no sound card, audio at normal priority).
    case notice(String)
    /// The stay is over (ended, removed, failed, or left).
    case exited(RoomExit)
    /// Ctrl-C or SIGTERM: leave at once.
    case interrupted
}
