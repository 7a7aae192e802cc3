/// What `parlor doctor` found: one line a check, and whether Parlor can run.
public struct DoctorReport: Sendable, Equatable {
    /// How a single check came out.
    public enum Status: String, Sendable {
        /// Works as it should.
        case ok = "ok"
        /// Parlor runs, with less (no sound card, no real-time priority, no colour).
        case note = "note"
        /// Parlor cannot run until this is fixed.
        case missing = "MISSING"
    }

    public struct Check: Sendable, Equatable {
        public let name: String
        public let status: Status
        public let detail: String
    }

    public private(set) var checks: [Check] = []

    public init() {}

    public mutating func add(_ name: String, _ status: Status, _ detail: String) {
        checks.append(Check(name: name, status: status, detail: detail))
    }

    /// True unless a check found something Parlor needs missing.
    public var canRun: Bool { !checks.contains { $0.status == .missing } }

    /// The report as the terminal shows it.
    public var text: String {
        let nameWidth = checks.map(\.name.count).max() ?? 0
        var lines = checks.map { check in
            let pad = String(repeating: " ", count: nameWidth - check.name.count)
            let mark = check.status == .ok ? "  " : check.status == .note ? "! " : "✗ "
            return "\(mark)\(check.name)\(pad)  \(check.detail)"
        }
        lines.append(canRun
            ? "Parlor can run."
            : "Parlor cannot run: fix the lines marked ✗ (make deps installs the Debian packages).")
        return lines.joined(separator: "\n")
    }
}
