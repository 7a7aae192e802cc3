import Foundation
import ParlorTUI

/// Why a face (terminal or headless) could not start, said so a person can fix it, with the exit
/// status sysexits(3) gives that kind of failure (docs/HEADLESS.md §Exit status).
public struct FaceError: Error, CustomStringConvertible {
    /// The sysexits(3) statuses a face ends with before its room.
    public enum Status: Int32, Sendable {
        /// A bad option, option value or link (EX_USAGE).
        case usage = 64
        /// An input file in the wrong format (EX_DATAERR).
        case dataError = 65
        /// An input file that cannot be read (EX_NOINPUT).
        case noInput = 66
        /// A service the face needs did not answer: a relay's public room list (EX_UNAVAILABLE).
        case unavailable = 69
        /// Anything else that failed before the room: a bug or the system (EX_SOFTWARE).
        case software = 70
        /// An output file or folder that cannot be created (EX_CANTCREAT).
        case cannotCreate = 73
        /// A file that could not be written (EX_IOERR).
        case ioError = 74
        /// A configuration file that does not parse: a theme or keymap.toml (EX_CONFIG).
        case configuration = 78
    }

    public let description: String
    public let status: Status

    public init(_ description: String, status: Status = .usage) {
        self.description = description
        self.status = status
    }

    /// Runs a face and returns its exit status: the face's own, or, when it throws before its
    /// room, the error's (printed as one line on stderr).
    public static func exitStatus(_ face: () throws -> Int32) -> Int32 {
        do {
            return try face()
        } catch {
            return report(error)
        }
    }

    public static func exitStatus(_ face: () async throws -> Int32) async -> Int32 {
        do {
            return try await face()
        } catch {
            return report(error)
        }
    }

    private static func report(_ error: any Error) -> Int32 {
        FileHandle.standardError.write(Data("parlor: \(error)\n".utf8))
        return status(of: error).rawValue
    }

    /// The status for any error a face may throw.
    static func status(of error: any Error) -> Status {
        switch error {
        case let error as FaceError: error.status
        case is ThemeLibrary.NotFound: .usage
        case is Theme.ParseError, is Keymap.ParseError: .configuration
        default: .software
        }
    }
}
