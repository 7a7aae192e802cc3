import CNATS
import Glibc

/// A connection to a NATS cluster, through the NATS C client (`CNATS`): publish bytes on a
/// subject, subscribe with a handler, and open JetStream key-value buckets (`NATSKeyValue`).
///
/// The C client is thread-safe and reconnects by itself, to any server of the list and to those
/// the cluster announces, for as long as the connection is open; handlers run on its threads.
public final class NATSConnection: @unchecked Sendable {
    /// The C client's `natsConnection`.
    let handle: OpaquePointer
    /// What runs each time the client reconnected, kept alive as long as the connection.
    private let reconnected: Unmanaged<NATSSubscription.Reconnected>?

    /// How long a connection attempt, a flush or a request may take.
    public static let timeoutMilliseconds: Int64 = 2_000
    /// The pause between attempts while reconnecting to the cluster.
    public static let reconnectWaitMilliseconds: Int64 = 100

    /// Connects to the first server of `servers` (`nats://HOST:PORT`) that answers, in the order
    /// given (so an operator spreads nodes over servers by ordering their lists), under the client
    /// name `name` (what NATS's monitoring shows). Without `echo`, this connection's
    /// subscriptions never receive what it published itself.
    /// `reconnected` runs (on a thread of the client's) each time it connected again after losing
    /// its server.
    public init(servers: [String], name: String, echo: Bool = true, reconnected: (@Sendable () -> Void)? = nil) throws(NATSError) {
        var options: OpaquePointer?
        try NATSError.check(natsOptions_Create(&options))
        defer { natsOptions_Destroy(options) }
        var urls: [UnsafePointer<CChar>?] = servers.map { UnsafePointer(strdup($0)) }
        defer { for url in urls { free(UnsafeMutablePointer(mutating: url)) } }
        try NATSError.check(natsOptions_SetServers(options, &urls, Int32(urls.count)))
        try NATSError.check(natsOptions_SetName(options, name))
        try NATSError.check(natsOptions_SetTimeout(options, Self.timeoutMilliseconds))
        try NATSError.check(natsOptions_SetMaxReconnect(options, -1))
        try NATSError.check(natsOptions_SetReconnectWait(options, Self.reconnectWaitMilliseconds))
        try NATSError.check(natsOptions_SetNoEcho(options, !echo))
        try NATSError.check(natsOptions_SetNoRandomize(options, true))
        let box = reconnected.map { Unmanaged.passRetained(NATSSubscription.Reconnected($0)) }
        if let box {
            try NATSError.check(natsOptions_SetReconnectedCB(options, { _, closure in
                Unmanaged<NATSSubscription.Reconnected>.fromOpaque(closure!).takeUnretainedValue().body()
            }, box.toOpaque()))
        }
        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, options)
        guard status == NATS_OK, let connection else {
            box?.release()
            throw NATSError(status)
        }
        handle = connection
        self.reconnected = box
    }

    deinit {
        natsConnection_Destroy(handle)
        reconnected?.release()
    }

    /// Closes the connection: its subscriptions end and nothing more is sent.
    public func close() {
        natsConnection_Close(handle)
    }

    /// Queues `bytes` for `subject` (sent by the client's flusher, in order per subject).
    public func publish(_ bytes: [UInt8], on subject: String) throws(NATSError) {
        try NATSError.check(bytes.withUnsafeBytes { natsConnection_Publish(handle, subject, $0.baseAddress, Int32($0.count)) })
    }

    /// Sends `bytes` on `subject` and waits up to `timeoutMilliseconds` for the one reply (the
    /// JetStream API's requests, say); its bytes.
    public func request(_ bytes: [UInt8], on subject: String, timeoutMilliseconds: Int64 = timeoutMilliseconds) throws(NATSError) -> [UInt8] {
        var reply: OpaquePointer?
        try NATSError.check(bytes.withUnsafeBytes {
            natsConnection_Request(&reply, handle, subject, $0.baseAddress, Int32($0.count), timeoutMilliseconds)
        })
        defer { natsMsg_Destroy(reply) }
        let count = Int(natsMsg_GetDataLength(reply))
        return natsMsg_GetData(reply).map { [UInt8](UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    }

    /// Waits until the server has processed everything published so far.
    public func flush() throws(NATSError) {
        try NATSError.check(natsConnection_FlushTimeout(handle, Self.timeoutMilliseconds))
    }

    /// Calls `handler` with the subject and bytes of every message on `subject` (wildcards
    /// allowed), on the client's delivery thread for this subscription, one message at a time.
    public func subscribe(_ subject: String, handler: @escaping @Sendable (String, [UInt8]) -> Void) throws(NATSError) -> NATSSubscription {
        let box = Unmanaged.passRetained(NATSSubscription.Handler(handler))
        var subscription: OpaquePointer?
        let status = natsConnection_Subscribe(&subscription, handle, subject, { _, _, message, closure in
            defer { natsMsg_Destroy(message) }
            let handler = Unmanaged<NATSSubscription.Handler>.fromOpaque(closure!).takeUnretainedValue()
            let subject = String(cString: natsMsg_GetSubject(message))
            let count = Int(natsMsg_GetDataLength(message))
            let bytes = natsMsg_GetData(message).map { [UInt8](UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
            handler.body(subject, bytes)
        }, box.toOpaque())
        guard status == NATS_OK, let subscription else {
            box.release()
            throw NATSError(status)
        }
        // The handler is released once the client will not call it again.
        natsSubscription_SetOnCompleteCB(subscription, { closure in
            Unmanaged<NATSSubscription.Handler>.fromOpaque(closure!).release()
        }, box.toOpaque())
        return NATSSubscription(handle: subscription)
    }
}

/// One subscription of a `NATSConnection`; `cancel()` ends it.
public final class NATSSubscription: @unchecked Sendable {
    /// What the C callback calls (kept alive by the subscription until the client is done with it).
    final class Handler {
        let body: @Sendable (String, [UInt8]) -> Void
        init(_ body: @escaping @Sendable (String, [UInt8]) -> Void) { self.body = body }
    }

    /// What the connection's reconnected callback calls.
    final class Reconnected {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    private let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    deinit {
        natsSubscription_Destroy(handle)
    }

    /// Stops the messages (the server is told; a message being handled finishes).
    public func cancel() {
        natsSubscription_Unsubscribe(handle)
    }
}
