import Foundation
import ParlorServer
import ParlorTestSupport
import Synchronization
import Testing

/// The NATS wrapper against a real `nats-server` of the test's own on loopback.
@Suite(.serialized) struct NATSConnectionTests {
    /// Collects what a subscription hands over, from the client's delivery thread.
    final class Inbox: Sendable {
        let messages = Mutex<[(String, [UInt8])]>([])
        func waitFor(_ count: Int, timeout: Double = 5) -> [(String, [UInt8])] {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline, messages.withLock({ $0.count }) < count { Thread.sleep(forTimeInterval: 0.01) }
            return messages.withLock { $0 }
        }
    }

    @Test func aMessageRoundTripsThroughTheServer() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let publisher = try NATSConnection(servers: [server.url], name: "publisher")
        let subscriber = try NATSConnection(servers: [server.url], name: "subscriber")
        let inbox = Inbox()
        let subscription = try subscriber.subscribe("parlor.test.>") { subject, bytes in
            inbox.messages.withLock { $0.append((subject, bytes)) }
        }
        try subscriber.flush()
        // Every byte value, a zero among them: the payload is bytes, not a C string.
        let payload = (0..<300).map { UInt8($0 % 256) }
        try publisher.publish(payload, on: "parlor.test.one")
        try publisher.publish([], on: "parlor.test.two")
        try publisher.flush()
        let received = inbox.waitFor(2)
        #expect(received.map(\.0) == ["parlor.test.one", "parlor.test.two"])
        #expect(received.first?.1 == payload)
        #expect(received.last?.1 == [])

        subscription.cancel()
        try subscriber.flush()
        try publisher.publish([1], on: "parlor.test.three")
        try publisher.flush()
        #expect(inbox.waitFor(3, timeout: 0.5).count == 2, "nothing arrives after cancel")
        publisher.close()
        subscriber.close()
    }

    @Test func keyValueWritesAreCompareAndSet() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let connection = try NATSConnection(servers: [server.url], name: "kv")
        let store = try NATSKeyValue(connection: connection, bucket: "parlor-test", ttlMilliseconds: 60_000)
        #expect(try store.get("lease") == nil)

        let first = try #require(try store.create("lease", [1]))
        #expect(try store.create("lease", [2]) == nil, "a second create loses")
        let stored = try store.get("lease")
        #expect(stored?.value == [1] && stored?.revision == first)

        let second = try #require(try store.update("lease", [3], last: first))
        #expect(second > first)
        #expect(try store.update("lease", [4], last: first) == nil, "an update from a stale revision loses")
        #expect(try store.get("lease")?.value == [3])

        try store.delete("lease")
        #expect(try store.get("lease") == nil)
        #expect(try store.create("lease", [5]) != nil, "after a delete the key can be created again")
        connection.close()
    }

    @Test func valuesExpireAfterTheBucketsTimeToLive() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let connection = try NATSConnection(servers: [server.url], name: "kv")
        let store = try NATSKeyValue(connection: connection, bucket: "parlor-ttl", ttlMilliseconds: 1_000)
        let written = Date()
        _ = try #require(try store.create("lease", [1]))
        #expect(try store.get("lease") != nil)
        while try store.get("lease") != nil, Date().timeIntervalSince(written) < 5 { Thread.sleep(forTimeInterval: 0.05) }
        let expiry = Date().timeIntervalSince(written)
        print("NATS KV value with a 1 s TTL gone after \(String(format: "%.2f", expiry)) s")
        #expect(expiry >= 0.9 && expiry < 2.0)
        #expect(try store.create("lease", [2]) != nil, "an expired key can be created again")
        connection.close()
    }

    @Test func connectingToNoServerIsAClearError() throws {
        // A port nothing listens on: 1 on loopback.
        #expect(throws: NATSError.self) { try NATSConnection(servers: ["nats://127.0.0.1:1"], name: "nobody") }
    }
}
