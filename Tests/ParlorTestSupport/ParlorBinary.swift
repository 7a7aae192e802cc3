import Foundation

/// The `parlor` executable that `swift test` built beside the test bundle, so tests run the real
/// command as a user would. `PARLOR_BIN` overrides it (e.g. to test a release build).
public enum ParlorBinary {
    public struct NotFound: Error, CustomStringConvertible {
        public let looked: [String]
        public var description: String { "parlor binary not found; looked in \(looked.joined(separator: ", ")); run swift build first" }
    }

    public static func path() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["PARLOR_BIN"] { return explicit }
        var candidates: [String] = []
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("parlor").path)
            dir = dir.deletingLastPathComponent()
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw NotFound(looked: candidates)
    }

    /// The package's root folder (where README.md and Themes/ are), found from this source file.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
