import Foundation
import ParlorCrypto
import ParlorTestSupport
import Testing
@testable import ParlorServer

/// One authority per room across a cluster: the lease and the room's invariants in JetStream
/// key-value buckets of a real `nats-server` on loopback, each node with its own connection.
@Suite(.serialized) struct ClusterAuthorityTests {
    static func key(_ n: UInt8) -> OpaqueKey { OpaqueKey([UInt8](repeating: n, count: 32))! }
    let room = Self.key(100)
    let clusterKey = [UInt8](repeating: 7, count: ClusterRoomName.keyLength)
    var name: ClusterRoomName { ClusterRoomName(room: room, clusterKey: clusterKey) }

    /// A node's view of the cluster: its own connection, the lease bucket and the state bucket.
    struct Node {
        let connection: NATSConnection
        let leases: NATSKeyValue
        let states: NATSKeyValue

        init(_ server: NATSServerProcess, name: String) throws {
            connection = try NATSConnection(servers: [server.url], name: name)
            leases = try NATSKeyValue(connection: connection, bucket: "parlor-leases", ttlMilliseconds: RoomLease.ttlMilliseconds)
            states = try NATSKeyValue(connection: connection, bucket: "parlor-rooms", ttlMilliseconds: 0)
        }
    }

    @Test func theLeaseHasOneHolderAndMovesWithinThreeSecondsOfItsHoldersDeath() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let a = try Node(server, name: "a"), b = try Node(server, name: "b")
        let leaseA = RoomLease(store: a.leases, room: name, node: "a")
        let leaseB = RoomLease(store: b.leases, room: name, node: "b")
        #expect(leaseA.refresh(now: Monotonic.nanoseconds))
        #expect(!leaseB.refresh(now: Monotonic.nanoseconds), "a second node does not take a held lease")

        // Both keep at it, each every renewal interval, for three ttls: A keeps it throughout.
        let interval = Double(RoomLease.renewInterval) / 1e9
        for _ in 0..<(3 * Int(RoomLease.ttlMilliseconds) / 500) {
            Thread.sleep(forTimeInterval: interval)
            #expect(leaseA.refresh(now: Monotonic.nanoseconds))
            #expect(!leaseB.refresh(now: Monotonic.nanoseconds))
        }

        // A dies: it renews no more and its connection goes. B tries every renewal interval.
        let died = Monotonic.nanoseconds
        a.connection.close()
        var takenAt: UInt64?
        while takenAt == nil, Monotonic.nanoseconds - died < 6_000_000_000 {
            Thread.sleep(forTimeInterval: interval)
            let now = Monotonic.nanoseconds
            if leaseB.refresh(now: now) { takenAt = now }
        }
        let takeover = try #require(takenAt, "B never took the lease")
        let seconds = Double(takeover - died) / 1e9
        print("lease taken over \(String(format: "%.2f", seconds)) s after its holder died; the old holder stopped acting \(String(format: "%.2f", (Double(takeover) - Double(leaseA.heldUntil)) / 1e9)) s before")
        #expect(seconds < 3.0)
        #expect(leaseA.heldUntil <= takeover, "the old holder stops acting before the new one starts")
        #expect(!leaseA.isHeld(at: takeover))

        #expect(leaseB.refresh(now: Monotonic.nanoseconds), "the new holder renews")
        #expect(!RoomLease(store: try Node(server, name: "a").leases, room: name, node: "a").refresh(now: Monotonic.nanoseconds),
                "A, back, cannot take it")
    }

    @Test func aHolderCutOffFromNATSStopsActingBeforeTheTTL() throws {
        let server = try NATSServerProcess()
        let a = try Node(server, name: "a")
        let lease = RoomLease(store: a.leases, room: name, node: "a")
        let renewed = Monotonic.nanoseconds
        #expect(lease.refresh(now: renewed))
        server.stop(signal: SIGKILL)
        Thread.sleep(forTimeInterval: Double(RoomLease.renewInterval) / 1e9)
        // The renewal cannot reach NATS: the lease is not extended and the error is kept.
        #expect(lease.refresh(now: Monotonic.nanoseconds), "still within the hold of the last renewal")
        #expect(lease.lastError != nil)
        #expect(lease.heldUntil == renewed + RoomLease.hold)
        #expect(!lease.isHeld(at: renewed + RoomLease.hold))
        #expect(RoomLease.hold < UInt64(RoomLease.ttlMilliseconds) * 1_000_000, "it stops before the server could hand the lease on")
    }

    /// How a renewal after trouble tells its cases apart: its own write stored but unanswered
    /// (the key names it, at a revision it did not learn) carries on as `held`; a lease that
    /// expired and nobody took is created again, `retaken` (to be fenced); a lease another node
    /// took is `refused`.
    @Test func aRenewalTellsItsOwnUnansweredWriteARetakeAndARivalApart() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let a = try Node(server, name: "a"), b = try Node(server, name: "b")
        let key = "lease.\(name.text)"
        let lease = RoomLease(store: a.leases, room: name, node: "a")
        #expect(lease.renew(now: Monotonic.nanoseconds) == .held)
        // A write of A's the server stored while A never heard the answer.
        let entry = try #require(try a.leases.get(key))
        #expect(try b.leases.update(key, Array("a".utf8), last: entry.revision) != nil)
        #expect(lease.renew(now: Monotonic.nanoseconds) == .held, "its own value: the chain is unbroken")
        #expect(lease.renew(now: Monotonic.nanoseconds) == .held)

        // Cut off past the ttl: the lease expires; nobody took it, so A creates it again.
        Thread.sleep(forTimeInterval: Double(RoomLease.ttlMilliseconds) / 1000 + 0.5)
        #expect(try a.leases.get(key) == nil, "expired")
        #expect(lease.renew(now: Monotonic.nanoseconds) == .retaken)

        // Expired again, and B took it first.
        Thread.sleep(forTimeInterval: Double(RoomLease.ttlMilliseconds) / 1000 + 0.5)
        #expect(RoomLease(store: b.leases, room: name, node: "b").renew(now: Monotonic.nanoseconds) == .held)
        #expect(lease.renew(now: Monotonic.nanoseconds) == .refused)
        #expect(!lease.isHeld(at: Monotonic.nanoseconds))
    }

    @Test func theNextAuthorityReusesNoSlotAndLosesNoEpoch() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let a = try Node(server, name: "a"), b = try Node(server, name: "b")
        let host = Self.key(1)
        // Authority A: a host and three members (slots 1–4), one of them banned, at epoch 5.
        var tableA = RoomTable(limits: RelayLimits())
        _ = try tableA.create(session: SessionID(1), room: room, hostKey: host, hostBoxKey: Self.key(201), directoryEntry: nil)
        for n in UInt8(2)...4 {
            _ = try tableA.join(session: SessionID(UInt64(n)), room: room, key: Self.key(n), boxKey: Self.key(200 + n), role: .listener, grantSignature: nil)
        }
        _ = try tableA.moderate(session: SessionID(1), action: .ban, target: Self.key(4),
                                revokingGrant: TableFixtures.proof(signature: [9, 9]).grants[0].signature)
        let saved = try #require(tableA.invariants(of: room, epoch: 5))
        #expect(saved.nextSlot == 5)
        let stateA = RoomStateStore(store: a.states)
        #expect(try stateA.load(name) == nil)
        #expect(try stateA.record(saved, for: name))

        // A node that read A's record before B took over (as A would have, back from a partition).
        let stale = RoomStateStore(store: try Node(server, name: "a-again").states)
        #expect(try stale.load(name) == saved)

        // A dies; B takes the authority and carries on from what A recorded.
        a.connection.close()
        let stateB = RoomStateStore(store: b.states)
        let loaded = try #require(try stateB.load(name))
        #expect(loaded == saved)
        var rulesB = RoomRules(limits: RelayLimits(), metrics: RelayMetrics(), log: .silent, unixTime: { 0 })
        try rulesB.restore(room: room, loaded)
        #expect(rulesB.invariants(of: room)?.epoch == 5, "no epoch lost")
        var tableB = rulesB.rooms
        _ = try tableB.create(session: SessionID(11), room: room, hostKey: host, hostBoxKey: Self.key(201), directoryEntry: nil)
        #expect(tableB.room(of: SessionID(11))?.members[SessionID(11)]?.senderSlot == 5, "slots go on where A left them")
        _ = try tableB.join(session: SessionID(12), room: room, key: Self.key(2), boxKey: Self.key(202), role: .listener, grantSignature: nil)
        #expect(tableB.room(of: SessionID(12))?.members[SessionID(12)]?.senderSlot == 6)
        #expect(throws: RoomRefusal.banned) {
            try tableB.join(session: SessionID(13), room: room, key: Self.key(4), boxKey: Self.key(204), role: .listener, grantSignature: nil)
        }
        #expect(throws: RoomRefusal.grantRevoked) {
            try tableB.join(session: SessionID(14), room: room, key: Self.key(5), boxKey: Self.key(205), role: .speaker, grantSignature: [9, 9])
        }

        // B records; a writer with the revision from before, fenced off, loses.
        #expect(try stateB.record(try #require(tableB.invariants(of: room, epoch: 6)), for: name))
        #expect(!(try stale.record(saved, for: name)), "a deposed authority's write loses")
        #expect(try RoomStateStore(store: b.states).load(name)?.nextSlot == 7, "B's record stands")
    }

    @Test func invariantsSurviveTheirEncodingAndRefuseDamage() throws {
        let charter = TableFixtures.charter
        let invariants = RoomInvariants(hostKey: Self.key(1), charter: charter, nextSlot: 300, epoch: 1 << 40,
                                        banned: [Self.key(2), Self.key(3)], demoted: [Self.key(4)], admitted: [Self.key(5)],
                                        revokedGrants: [[1, 2, 3], Array(repeating: 8, count: 64)])
        let encoded = invariants.encoded(admittedShards: [0, 7, 255])
        var withoutAdmitted = invariants
        withoutAdmitted.admitted = []
        let decoded = try RoomInvariants.decode(encoded)
        #expect(decoded.invariants == withoutAdmitted, "the admitted keys are kept in shards, not here")
        #expect(decoded.admittedShards == [0, 7, 255])
        for cut in [0, 1, 40, encoded.count - 1] {
            #expect(throws: RoomInvariants.Malformed.self) { try RoomInvariants.decode(Array(encoded.prefix(cut))) }
        }
        #expect(throws: RoomInvariants.Malformed.self) { try RoomInvariants.decode(encoded + [0]) }
        var otherVersion = encoded
        otherVersion[0] = 1
        #expect(throws: RoomInvariants.Malformed.self) { try RoomInvariants.decode(otherVersion) }
        #expect(throws: AdmittedShard.Malformed.self) { try AdmittedShard.decode([UInt8](repeating: 1, count: 33)) }
    }

    /// Every value of `room` in the state bucket, by key: the main entry and the shards that exist.
    func stored(_ node: Node) throws -> [String: NATSKeyValue.Entry] {
        var entries: [String: NATSKeyValue.Entry] = [:]
        for key in ["room.\(name.text)"] + (0...UInt8.max).map({ AdmittedShard.key($0, of: name) }) {
            entries[key] = try node.states.get(key)
        }
        return entries
    }

    @Test func aLargeRoomsAdmittedKeysAreWrittenInSmallShardsAndRestoredWhole() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let a = try Node(server, name: "a"), b = try Node(server, name: "b")
        let keys = Set((0..<40_000).map { _ in OpaqueKey((0..<32).map { _ in UInt8.random(in: 0...255) })! })
        var invariants = RoomInvariants(hostKey: Self.key(1), charter: TableFixtures.charter, nextSlot: 5, epoch: 2,
                                        banned: [Self.key(2)], demoted: [], admitted: keys, revokedGrants: [])
        let stateA = RoomStateStore(store: a.states)
        #expect(try stateA.load(name) == nil)
        var start = Monotonic.nanoseconds
        #expect(try stateA.record(invariants, for: name))
        let firstRecord = Double(Monotonic.nanoseconds - start) / 1e6
        let before = try stored(a)
        let largest = before.values.map(\.value.count).max() ?? 0
        print("40,000 admitted keys: \(before.count - 1) shards, largest value \(largest) bytes, main entry "
              + "\(before["room.\(name.text)"]?.value.count ?? 0) bytes, first record \(firstRecord) ms")
        #expect(before.count == 257, "every shard holds keys")
        #expect(largest < 64 * 1024, "no value near NATS's 1 MiB limit")
        #expect(try before.filter { $0.key != "room.\(name.text)" }.reduce(0) { $0 + (try AdmittedShard.decode($1.value.value)).count } == 40_000)

        // One member more: the main entry and one shard are written, nothing else.
        let newcomer = Self.key(50)
        invariants.admitted.insert(newcomer)
        invariants.nextSlot = 6
        #expect(try stateA.record(invariants, for: name))
        let after = try stored(a)
        let rewritten = after.filter { before[$0.key]?.revision != $0.value.revision }
        #expect(Set(rewritten.keys) == ["room.\(name.text)", AdmittedShard.key(AdmittedShard.index(of: newcomer, in: name), of: name)])
        #expect(rewritten.values.allSatisfy { $0.value.count < 64 * 1024 })

        // B takes the room over and reads every admitted key back.
        let stateB = RoomStateStore(store: b.states)
        start = Monotonic.nanoseconds
        let loaded = try #require(try stateB.load(name))
        print("restored \(loaded.admitted.count) admitted keys in \(Double(Monotonic.nanoseconds - start) / 1e6) ms")
        #expect(loaded == invariants)
        var rulesB = RoomRules(limits: RelayLimits(), metrics: RelayMetrics(), log: .silent, unixTime: { 0 })
        try rulesB.restore(room: room, loaded)
        #expect(rulesB.invariants(of: room)?.admitted == invariants.admitted)

        // B's takeover write fences A off: A's next record loses and adds no key to any shard.
        var moved = loaded
        moved.nextSlot += RelayCluster.slotsSkippedAtTakeover
        #expect(try stateB.record(moved, for: name))
        var stale = invariants
        stale.admitted.insert(Self.key(51))
        #expect(!(try stateA.record(stale, for: name)))
        #expect(try RoomStateStore(store: b.states).load(name)?.admitted.contains(Self.key(51)) == false)
    }

    @Test func roomNamesOnNATSHideTheRoomId() {
        let hex = room.bytes.map { String(format: "%02x", $0) }.joined()
        #expect(name.text.count == 2 * ClusterRoomName.length)
        #expect(!hex.contains(name.text) && !name.text.contains(hex.prefix(8)))
        #expect(ClusterRoomName(room: room, clusterKey: [UInt8](repeating: 8, count: 32)) != name, "another cluster key, another name")
        #expect(ClusterRoomName(room: Self.key(101), clusterKey: clusterKey) != name)
    }
}
