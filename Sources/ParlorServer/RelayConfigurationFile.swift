/// Reads `parlor serve --config FILE`: one `name = integer` a line (a TOML subset), `#` comments,
/// names as in the table below. An unknown name or a bad value is an error that names its line.
///
///     max_members_per_room = 5000
///     handshakes_per_second = 200   # cookies above this
public enum RelayConfigurationFile {
    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "config line \(line): \(message)" }
    }

    /// Every settable limit by its configuration name.
    public static var settings: [String: WritableKeyPath<RelayLimits, Int>] {
        [
        "max_rooms": \.maxRooms,
        "max_members_per_room": \.maxMembersPerRoom,
        "max_speakers_per_room": \.maxSpeakersPerRoom,
        "max_sessions": \.maxSessions,
        "max_control_message_bytes": \.maxControlMessageBytes,
        "max_datagram_bytes": \.maxDatagramBytes,
        "control_messages_per_second": \.controlMessagesPerSecond,
        "control_burst": \.controlBurst,
        "media_packets_per_second": \.mediaPacketsPerSecond,
        "media_burst": \.mediaBurst,
        "blobs_per_second": \.blobsPerSecond,
        "blob_burst": \.blobBurst,
        "joins_per_second": \.joinsPerSecond,
        "join_burst": \.joinBurst,
        "handshakes_per_second": \.handshakesPerSecond,
        "address_handshakes_per_second": \.addressHandshakesPerSecond,
        "idle_timeout_seconds": \.idleTimeoutSeconds,
        "handshake_timeout_seconds": \.handshakeTimeoutSeconds,
        "drain_seconds": \.drainSeconds,
        ]
    }

    /// Applies `text` on top of the defaults.
    public static func parse(_ text: String, onto base: RelayLimits = RelayLimits()) throws(Error) -> RelayLimits {
        var limits = base
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = content.trimmingSpaces
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw Error(line: line, message: "expected name = value, got \"\(trimmed)\"") }
            let name = parts[0].trimmingSpaces
            let value = parts[1].trimmingSpaces.filter { $0 != "_" }
            guard let path = settings[name] else {
                throw Error(line: line, message: "unknown setting \"\(name)\" (known: \(settings.keys.sorted().joined(separator: ", ")))")
            }
            guard let number = Int(value), number > 0 else {
                throw Error(line: line, message: "\(name) must be a positive integer, got \"\(parts[1].trimmingSpaces)\"")
            }
            limits[keyPath: path] = number
        }
        return limits
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
