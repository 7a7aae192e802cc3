import Foundation
import ParlorClient

/// Writes room events as JSON lines, one per event, flushed at once (scripts read them live):
/// to stdout, to a file, or nowhere. When a write fails (the reader of a pipe went away, the
/// disk is full) it writes no more and tells `whenUnwritable` why, once: a headless face then
/// leaves the room cleanly, as a program in a pipeline ends when its reader does.
public final class EventWriter: @unchecked Sendable {
    /// Nil for nowhere, and once a write failed.
    private var handle: FileHandle?
    private let lock = NSLock()
    private var unwritable: (@Sendable (String) -> Void)?

    /// `target`: nil or "-" for stdout, a path for a file (created or truncated), "" for nowhere.
    public init(target: String?) throws {
        switch target {
        case nil, "-":
            handle = .standardOutput
        case "":
            handle = nil
        case let path?:
            guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
                throw FaceError("--events \(path): cannot create the file", status: .cannotCreate)
            }
            handle = file
        }
    }

    /// Calls `action` once, with the reason, when a write fails. It runs on the thread that
    /// wrote, which may be the room client's own queue.
    public func whenUnwritable(_ action: @escaping @Sendable (String) -> Void) {
        lock.withLock { unwritable = action }
    }

    public func write(_ event: RoomEvent) {
        let line = event.jsonLine(timeMilliseconds: Int(Date().timeIntervalSince1970 * 1000)).text + "\n"
        let failure: (action: (@Sendable (String) -> Void)?, reason: String)? = lock.withLock {
            do {
                try handle?.write(contentsOf: Data(line.utf8))
                return nil
            } catch {
                handle = nil
                return (unwritable, error.localizedDescription)
            }
        }
        if let failure { failure.action?(failure.reason) }
    }
}
