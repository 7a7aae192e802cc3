/// One run shared by every case of a parameterized test whose cases run their rooms together: the
/// first case to ask starts it, the others wait for the same run, and each takes its own part.
actor SharedRun<Key: Hashable & Sendable, Value: Sendable> {
    private let body: @Sendable () async throws -> [Key: Value]
    private var run: Task<[Key: Value], any Error>?

    init(_ body: @escaping @Sendable () async throws -> [Key: Value]) { self.body = body }

    struct Missing: Error, CustomStringConvertible {
        let key: String
        var description: String { "the shared run has nothing for \(key)" }
    }

    /// The part of the run for `key`, once the run is done.
    func value(for key: Key) async throws -> Value {
        let run = self.run ?? Task { try await body() }
        self.run = run
        guard let value = try await run.value[key] else { throw Missing(key: "\(key)") }
        return value
    }
}
