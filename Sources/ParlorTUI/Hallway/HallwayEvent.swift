/// What reaches the hallway from outside the terminal.
public enum HallwayEvent: Sendable, Equatable {
    /// A saved room's relay (HOST:PORT) answered a probe, or did not.
    case relayProbed(relay: String, answers: Bool)
}

/// What the hallway asks of the world outside it.
public enum HallwayEffect: Sendable, Equatable {
    /// Drop this room from the saved rooms for good.
    case forget(SavedRoom)
}
