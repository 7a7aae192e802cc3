import Foundation
import ParlorClient

/// Writes room events as JSON lines, one per event, flushed at once (scripts read them live):
/// to stdout, to a file, or nowhere.
public final class EventWriter: @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()

    /// `target`: nil or "-" for stdout, a path for a file (created or truncated), "" for nowhere.
    public init(target: String?) throws {
        switch target {
        case nil, "-":
            handle = .standardOutput
        case "":
            handle = nil
        case let path?:
            guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
                throw HeadlessError("--events \(path): cannot create the file")
            }
            handle = file
        }
    }

    public func write(_ event: RoomEvent) {
        let line = event.jsonLine(timeMilliseconds: Int(Date().timeIntervalSince1970 * 1000)).text + "\n"
        lock.withLock { handle?.write(Data(line.utf8)) }
    }
}

/// A problem with a headless face's options or link, said so a person can fix it.
public struct HeadlessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension HeadlessError {
    /// The exit status for options or a link that cannot work (EX_USAGE).
    public static let usageExitCode: Int32 = 64

    /// Runs a face; a `HeadlessError` (or any error before the room) is printed as one line on
    /// stderr and becomes exit status 64.
    public static func exitCode(_ face: () throws -> Int32) -> Int32 {
        do {
            return try face()
        } catch {
            FileHandle.standardError.write(Data("parlor: \(error)\n".utf8))
            return usageExitCode
        }
    }

    public static func exitCode(_ face: () async throws -> Int32) async -> Int32 {
        do {
            return try await face()
        } catch {
            FileHandle.standardError.write(Data("parlor: \(error)\n".utf8))
            return usageExitCode
        }
    }
}
