import Dispatch
import ParlorCrypto

/// A relay's membership of a NATS cluster: which rooms it is the authority for (`RoomLease`),
/// and the rooms' invariants it reads on taking one and records as they change
/// (`RoomStateStore`). See docs/CLUSTER.md.
///
/// NATS calls block (a round trip, up to the client's timeout when the cluster is unreachable),
/// so they run one at a time on a queue of their own, never on the relay's event loop; results
/// come back through completion handlers, which the relay hands to its loop.
public final class RelayCluster: @unchecked Sendable {
    /// What a node asking to be a room's authority learns.
    enum Claim: Sendable {
        /// This node is the authority; with the invariants the last authority recorded, if any,
        /// and whether the lease is new to it (false: it kept the lease since it last led the room).
        case held(RoomInvariants?, taken: Bool)
        /// Another node holds the lease (or the cluster could not be reached).
        case refused
    }

    /// Sender slots a new authority skips past the recorded next slot: records trail the changes
    /// they record by a round trip, so a dead authority may have given out a few slots it had not
    /// recorded yet. 65,534 slots allow 255 takeovers of one room.
    static let slotsSkippedAtTakeover: UInt16 = 256
    /// How long this node keeps the lease of a room that emptied, so its host coming straight
    /// back finds the room here rather than waiting for the lease to expire.
    static let emptyRoomLeaseKept: UInt64 = 30_000_000_000

    /// This node's name, written in the leases it holds.
    public let node: String
    private let clusterKey: [UInt8]
    private let connection: NATSConnection
    private let leaseStore: NATSKeyValue
    private let states: RoomStateStore
    private let metrics: RelayMetrics
    private let queue = DispatchQueue(label: "parlor.cluster")
    // Confined to `queue`:
    private var leases: [OpaqueKey: RoomLease] = [:]
    /// When each lease of an emptied room is let go (monotonic nanoseconds).
    private var releaseAt: [OpaqueKey: UInt64] = [:]
    private var onLost: @Sendable (OpaqueKey) -> Void = { _ in }
    private var timer: (any DispatchSourceTimer)?

    /// Joins the cluster at `servers` (`nats://HOST:PORT`) as `node`. Every node of a cluster
    /// shares `secret` (their common relay key): room names on NATS are keyed by it.
    public init(servers: [String], node: String, secret: [UInt8], metrics: RelayMetrics) throws(NATSError) {
        self.node = node
        self.metrics = metrics
        clusterKey = try! BLAKE2b.hash(Array("parlor cluster room names".utf8) + secret, outputLength: ClusterRoomName.keyLength)
        connection = try NATSConnection(servers: servers, name: "parlor relay \(node)")
        leaseStore = try NATSKeyValue(connection: connection, bucket: "parlor-leases", ttlMilliseconds: RoomLease.ttlMilliseconds)
        states = RoomStateStore(store: try NATSKeyValue(connection: connection, bucket: "parlor-rooms", ttlMilliseconds: 0))
    }

    /// Starts renewing leases; `lost` is called (on the cluster's queue) with each room whose
    /// lease this node can no longer renew, or whose invariants another node wrote.
    func start(lost: @escaping @Sendable (OpaqueKey) -> Void) {
        queue.sync {
            onLost = lost
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now(), repeating: .nanoseconds(Int(RoomLease.renewInterval)))
            timer.setEventHandler { [unowned self] in renewAll() }
            timer.resume()
            self.timer = timer
        }
    }

    /// Stops renewing and leaves the cluster (the leases expire by themselves).
    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
            leases = [:]
        }
        connection.close()
    }

    /// Asks to be `room`'s authority; `completion` runs on the cluster's queue.
    func claim(_ room: OpaqueKey, completion: @escaping @Sendable (Claim) -> Void) {
        queue.async { [self] in
            let name = ClusterRoomName(room: room, clusterKey: clusterKey)
            let lease = leases[room] ?? RoomLease(store: leaseStore, room: name, node: node)
            guard lease.refresh(now: Monotonic.nanoseconds) else { return completion(.refused) }
            do {
                let invariants = try states.load(name)
                let taken = leases[room] == nil
                if taken { metrics.add(.leaseChanges) }
                leases[room] = lease
                releaseAt[room] = nil
                metrics.add(.roomsLed, leases.count - metrics.value(.roomsLed))
                completion(.held(invariants, taken: taken))
            } catch {
                completion(.refused)
            }
        }
    }

    /// Records `room`'s invariants as its authority; a write another node fenced off ends this
    /// node's authority (`lost`).
    func record(_ invariants: RoomInvariants, for room: OpaqueKey) {
        queue.async { [self] in
            guard leases[room] != nil else { return }
            let name = ClusterRoomName(room: room, clusterKey: clusterKey)
            if (try? states.record(invariants, for: name)) == false { lose(room) }
        }
    }

    /// `room` emptied here: its lease goes after `emptyRoomLeaseKept` unless claimed again.
    func emptied(_ room: OpaqueKey) {
        queue.async { [self] in
            if leases[room] != nil { releaseAt[room] = Monotonic.nanoseconds + Self.emptyRoomLeaseKept }
        }
    }

    private func renewAll() {
        let now = Monotonic.nanoseconds
        for (room, lease) in leases {
            if let release = releaseAt[room], now >= release {
                leases[room] = nil
                releaseAt[room] = nil
            } else if !lease.refresh(now: now) {
                lose(room)
            }
        }
        metrics.add(.roomsLed, leases.count - metrics.value(.roomsLed))
    }

    private func lose(_ room: OpaqueKey) {
        leases[room] = nil
        releaseAt[room] = nil
        metrics.add(.leaseChanges)
        metrics.add(.roomsLed, leases.count - metrics.value(.roomsLed))
        onLost(room)
    }
}
