import Foundation
import ParlorAudio
import ParlorClient

/// What every headless face shares once its room client exists: events out as JSON lines,
/// commands in from stdin (one JSON object a line), an optional duration, and a clean end on
/// SIGINT or SIGTERM (the client leaves, files are finalised). Returns the exit code.
///
/// Exit codes (docs/HEADLESS.md): 0 left, ended or duration reached; 3 removed or banned;
/// 4 could not join or lost the relay for good; before joining, `FaceError.Status`'s (64 and up).
public enum HeadlessRoom {
    public static func run(_ client: RoomClient, events: EventWriter, duration: Double?,
                           stopWhen: (@Sendable () -> Bool)? = nil) -> Int32 {
        let signals = ProcessSignals.subscribe { _, count in if count == 1 { client.stop() } else { ProcessSignals.endNow() } }
        defer { signals.cancel() }
        events.whenUnwritable { reason in
            FileHandle.standardError.write(Data("parlor: cannot write events (\(reason)); leaving the room\n".utf8))
            // Not on the caller's thread: it may be the client's queue, which `stop` waits on.
            DispatchQueue.global().async { client.stop() }
        }
        readCommands(into: client, events: events)
        if let duration {
            DispatchQueue.global().asyncAfter(deadline: .now() + duration) { client.stop() }
        }
        if let stopWhen {
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + 0.1, repeating: 0.1)
            timer.setEventHandler { if stopWhen() { timer.cancel(); client.stop() } }
            timer.resume()
        }
        client.start()
        let exit = client.wait()
        if case .failed(let why) = exit { FileHandle.standardError.write(Data("parlor: \(why)\n".utf8)) }
        return exit.exitCode
    }

    /// Reads JSON-lines commands from stdin on a thread of its own; a bad line is answered with an
    /// `error` event and changes nothing. End of input changes nothing either (a script may close it).
    static func readCommands(into client: RoomClient, events: EventWriter) {
        let thread = Thread {
            while let line = readLine() {
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                do {
                    client.perform(try RoomCommand.parse(jsonLine: line))
                } catch {
                    events.write(.error(code: "bad_command", message: "\(error)"))
                }
            }
        }
        thread.name = "parlor-commands"
        thread.start()
    }
}
