/// What the relay writes about itself.
///
/// At `info`, the default, nothing that could point at a person: the only things `info` takes
/// are `Event`s, whose values are counts, so no client address, key, room id or session number
/// can reach the log by accident. At `debug`, for finding a problem on one's own relay, the log
/// also shows client addresses, session numbers, the requests sessions make and short prefixes of
/// room ids and member keys; `parlor serve` says so when it starts.
public struct RelayLog: Sendable {
    public enum Level: String, Sendable, CaseIterable {
        case info, debug
    }

    /// What `info` may say: events and counts, never who.
    public enum Event: Sendable, Equatable {
        case roomOpened(roomsOpen: Int)
        case roomClosed(roomsOpen: Int)
        /// In a cluster: this node stopped being a room's authority, or learnt another node took a
        /// room's authority over (its members here reconnect).
        case authorityLost

        var text: String {
            switch self {
            case let .roomOpened(open): "a room opened (\(open) open)"
            case let .roomClosed(open): "a room closed (\(open) open)"
            case .authorityLost: "a room's authority moved to another node of the cluster"
            }
        }
    }

    public let level: Level
    private let write: @Sendable (String) -> Void

    /// A log at `level` that hands each line to `write`.
    public init(level: Level, write: @escaping @Sendable (String) -> Void) {
        self.level = level
        self.write = write
    }

    /// A log that writes nothing.
    public static let silent = RelayLog(level: .info) { _ in }

    /// The line `parlor serve` prints first at `debug`.
    public static let debugWarning = "log level debug: client addresses, session numbers and prefixes of room ids and member keys will be logged (info, the default, logs none)"

    func info(_ event: Event) {
        write(event.text)
    }

    /// A line only `debug` writes; built only then.
    func debug(_ line: @autoclosure () -> String) {
        guard level == .debug else { return }
        write("debug: " + line())
    }

    /// The first bytes of a room id or member key as hex: enough to tell them apart in a debug log.
    static func prefix(_ bytes: [UInt8]) -> String {
        bytes.prefix(4).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "…"
    }
}
