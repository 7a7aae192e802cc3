/// A terminal face in the Elm architecture: a state value, an update from messages to a new state
/// plus effects, and a render from state to a `Screen`. Nothing in a program touches curses; the
/// `TerminalRunner` feeds it keys, resizes, ticks and outside events and draws what it renders.
public protocol TerminalProgram {
    /// Work for the world outside the program (send a command to the room, copy a link, …).
    associatedtype Effect
    /// Events from outside the terminal (room events, audio levels).
    associatedtype Event: Sendable

    /// Applies a key press.
    mutating func update(key: Key) -> [Effect]
    /// Applies an outside event.
    mutating func update(event: Event) -> [Effect]
    /// Applies the passing of time (animations, meters decaying); `milliseconds` since the last tick.
    mutating func tick(milliseconds: Int) -> [Effect]
    /// What the terminal shows now.
    func render(width: Int, height: Int) -> Screen
    /// True once the program is done and the terminal should be given back.
    var isFinished: Bool { get }
}
