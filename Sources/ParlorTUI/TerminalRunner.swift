import Synchronization

/// Runs a `TerminalProgram` on a `CursesScreen`: waits for a key for at most one tick, applies
/// outside events posted from any thread, draws only when the screen changed, and hands effects
/// to `perform`. Everything runs on the calling thread; `post` is the only thread-safe entry.
public final class TerminalRunner<Program: TerminalProgram>: Sendable {
    private let inbox = Mutex<[Program.Event]>([])
    /// Milliseconds between ticks (meters and talking glyphs animate at this rate).
    public let tickMilliseconds: Int32

    public init(tickMilliseconds: Int32 = 50) {
        self.tickMilliseconds = tickMilliseconds
    }

    /// Queues an outside event; the loop applies it within one tick.
    public func post(_ event: Program.Event) {
        inbox.withLock { $0.append(event) }
    }

    /// Runs `program` until it finishes; returns its final state.
    public func run(_ program: Program, on terminal: CursesScreen, perform: (Program.Effect) -> Void) -> Program {
        var program = program
        var shown: Screen?
        var last = ContinuousClock.now
        while !program.isFinished {
            let (width, height) = terminal.size
            let screen = program.render(width: width, height: height)
            if screen != shown {
                terminal.draw(screen)
                shown = screen
            }
            var effects: [Program.Effect] = []
            if let key = terminal.readKey(timeout: tickMilliseconds) {
                if key == .resize { shown = nil }
                effects += program.update(key: key)
            }
            for event in inbox.withLock({ events in defer { events.removeAll() }; return events }) {
                effects += program.update(event: event)
            }
            let now = ContinuousClock.now
            let elapsed = now - last
            if elapsed >= .milliseconds(Int(tickMilliseconds)) {
                effects += program.tick(milliseconds: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
                last = now
            }
            effects.forEach(perform)
        }
        return program
    }
}
