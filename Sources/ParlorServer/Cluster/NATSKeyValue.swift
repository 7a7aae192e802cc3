import CNATS

/// A JetStream key-value bucket: values under keys, each write numbered by a revision that only
/// grows, and writes conditional on that revision (compare-and-set) — what a lease is made of.
///
/// Entries expire `ttlMilliseconds` after their last write, by the server's clock: a value its
/// writer stops renewing goes away without anyone deleting it.
public final class NATSKeyValue: @unchecked Sendable {
    /// A value and the revision that wrote it.
    public struct Entry: Equatable, Sendable {
        public let value: [UInt8]
        public let revision: UInt64
    }

    /// How long a read or write waits for JetStream's answer. While the cluster elects a stream
    /// leader no answer comes; a shorter wait (0.75 s) did not bring a waiting authority back
    /// sooner (docs/CLUSTER.md), the election dominates. A write whose answer came too late is
    /// recognised afterwards (`RoomLease.renew`, `RoomStateStore.record`).
    public static let waitMilliseconds: Int64 = NATSConnection.timeoutMilliseconds

    private let jetStream: OpaquePointer
    private let store: OpaquePointer
    /// Keeps the connection open while the bucket is used.
    private let connection: NATSConnection

    /// Opens the bucket `bucket`, creating it when it does not exist, stored on `replicas`
    /// servers of the cluster. A bucket that exists keeps its own settings.
    public init(connection: NATSConnection, bucket: String, ttlMilliseconds: Int64, replicas: Int = 1) throws(NATSError) {
        self.connection = connection
        var options = jsOptions()
        try NATSError.check(jsOptions_Init(&options))
        options.Wait = Self.waitMilliseconds
        var context: OpaquePointer?
        try NATSError.check(natsConnection_JetStream(&context, connection.handle, &options))
        var store: OpaquePointer?
        var status = js_KeyValue(&store, context, bucket)
        if status == NATS_NOT_FOUND {
            var configuration = kvConfig()
            status = kvConfig_Init(&configuration)
            if status == NATS_OK {
                status = bucket.withCString { name in
                    configuration.Bucket = name
                    configuration.History = 1
                    // In nanoseconds (the stream's MaxAge), despite the C client's other times in milliseconds.
                    configuration.TTL = ttlMilliseconds * 1_000_000
                    configuration.Replicas = Int32(replicas)
                    return js_CreateKeyValue(&store, context, &configuration)
                }
            }
        }
        guard status == NATS_OK, let store else {
            let error = NATSError(status)
            jsCtx_Destroy(context)
            throw error
        }
        jetStream = context!
        self.store = store
    }

    deinit {
        kvStore_Destroy(store)
        jsCtx_Destroy(jetStream)
    }

    /// The key's latest value, or nil when it has none (never written, deleted or expired).
    public func get(_ key: String) throws(NATSError) -> Entry? {
        var entry: OpaquePointer?
        let status = kvStore_Get(&entry, store, key)
        if status == NATS_NOT_FOUND { return nil }
        try NATSError.check(status)
        defer { kvEntry_Destroy(entry) }
        let count = Int(kvEntry_ValueLen(entry))
        let value = kvEntry_Value(entry).map { [UInt8](UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
        return Entry(value: value, revision: kvEntry_Revision(entry))
    }

    /// Writes `value` only if the key has no value now; returns the new revision, or nil when
    /// someone else's value is there.
    public func create(_ key: String, _ value: [UInt8]) throws(NATSError) -> UInt64? {
        var revision: UInt64 = 0
        let status = value.withUnsafeBytes { kvStore_Create(&revision, store, key, $0.baseAddress, Int32($0.count)) }
        return try Self.conditional(status, revision)
    }

    /// Writes `value` only if the key's latest revision is still `last`; returns the new
    /// revision, or nil when someone wrote (or the value expired) since.
    public func update(_ key: String, _ value: [UInt8], last: UInt64) throws(NATSError) -> UInt64? {
        var revision: UInt64 = 0
        let status = value.withUnsafeBytes { kvStore_Update(&revision, store, key, $0.baseAddress, Int32($0.count), last) }
        return try Self.conditional(status, revision)
    }

    /// Deletes the key's value (a later `create` succeeds).
    public func delete(_ key: String) throws(NATSError) {
        try NATSError.check(kvStore_Delete(store, key))
    }

    /// A conditional write's result: its revision, nil when the condition did not hold, or the
    /// error that kept the write from being judged (the cluster unreachable, say).
    private static func conditional(_ status: natsStatus, _ revision: UInt64) throws(NATSError) -> UInt64? {
        guard status == NATS_OK else {
            let error = NATSError(status)
            if error.isWrongRevision { return nil }
            throw error
        }
        return revision
    }
}
