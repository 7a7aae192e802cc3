import Dispatch
import ParlorCrypto
import ParlorProtocol
import Synchronization

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
        /// This node is the authority; with the invariants the last authority recorded, if any
        /// (their next slot moved on by `slotsSkippedAtTakeover`, and written back as the fence of
        /// this takeover), and whether the lease is new to it (false: it kept the lease since it
        /// last led the room).
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
    /// This node's number: the high 16 bits of the session ids it gives out, so a session id
    /// names its node across the cluster (a hash of the name; never 0, a relay on its own).
    let number: UInt16
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
    /// Each led room's invariants as last handed to the cluster (what a fence writes).
    private var latest: [OpaqueKey: RoomInvariants] = [:]
    /// Led rooms whose last record could not reach the cluster: written again at the next renewal.
    private var unrecorded: Set<OpaqueKey> = []
    /// Led rooms whose lease was retaken after it expired while this node was cut off: no rule
    /// changes until a write of their invariants from this node's last revision succeeds (the fence).
    private var unfenced: Set<OpaqueKey> = []
    /// Led rooms whose rules wait, counted once per wait (`ruleWaits`).
    private var waiting: Set<OpaqueKey> = []
    /// Since when (monotonic nanoseconds) this node's own lease has been renewed without a break;
    /// nil while it is cut off.
    private var reachableSince: UInt64?
    /// Until when (monotonic nanoseconds) this node may change each led room's rules: the lease's
    /// hold while the room is in good standing, 0 while it waits for its fence. Read from the
    /// relay's event loop (`mayChangeRules`), written on the cluster's queue.
    private let acting = Mutex<[OpaqueKey: UInt64]>([:])
    /// This node's own lease, `node.<number>`, renewed with the rooms': while it lives, the
    /// authorities of rooms with members here keep them.
    private var alive: RoomLease?
    private var timer: (any DispatchSourceTimer)?

    /// Joins the cluster at `servers` (`nats://HOST:PORT`) as `node`. Every node of a cluster
    /// shares `secret` (their common relay key): room names on NATS are keyed by it. The
    /// key-value buckets, made by the first node, keep `replicas` copies (at most the number of
    /// NATS servers with JetStream).
    public init(servers: [String], node: String, secret: [UInt8], replicas: Int = 1, metrics: RelayMetrics) throws(NATSError) {
        self.node = node
        self.metrics = metrics
        clusterKey = try! BLAKE2b.hash(Array("parlor cluster room names".utf8) + secret, outputLength: ClusterRoomName.keyLength)
        let hash = try! BLAKE2b.hash(Array(node.utf8), outputLength: 16)
        number = max(1, UInt16(hash[0]) << 8 | UInt16(hash[1]))
        // A node never hears its own media or requests back.
        connection = try NATSConnection(servers: servers, name: "parlor relay \(node)", echo: false) { [metrics] in
            metrics.add(.natsReconnects)
        }
        leaseStore = try NATSKeyValue(connection: connection, bucket: "parlor-leases", ttlMilliseconds: RoomLease.ttlMilliseconds,
                                      replicas: replicas)
        states = RoomStateStore(store: try NATSKeyValue(connection: connection, bucket: "parlor-rooms", ttlMilliseconds: 0,
                                                        replicas: replicas))
    }

    /// Starts renewing leases; `lost` is called (on the cluster's queue) with each room whose
    /// lease this node can no longer renew, or whose invariants another node wrote.
    func start(lost: @escaping @Sendable (OpaqueKey) -> Void) {
        queue.sync {
            onLost = lost
            alive = RoomLease(store: leaseStore, key: Self.aliveKey(number), node: node)
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now(), repeating: .nanoseconds(Int(RoomLease.renewInterval)))
            timer.setEventHandler { [unowned self] in renewAll() }
            timer.resume()
            self.timer = timer
        }
    }

    // MARK: - Between nodes

    /// The node a session is on (the high bits of its id).
    static func node(of session: SessionID) -> UInt16 { UInt16(truncatingIfNeeded: session.value >> 48) }

    /// What one node tells another, on the receiving node's subject.
    enum Inbound {
        /// A control message from a room's authority for a session on this node.
        case message(SessionID, ControlMessage)
        /// The authority closes a session on this node (removed, banned, replaced).
        case close(SessionID)
    }

    /// Calls `handler` (on a NATS thread) with what other nodes send this node, one message at a
    /// time in the order sent.
    func listen(_ handler: @escaping @Sendable (Inbound) -> Void) throws(NATSError) -> NATSSubscription {
        try connection.subscribe("parlor.node.\(number)") { [metrics] _, bytes in
            switch bytes.first {
            case Self.messageKind:
                // Messages, each as its session (8 bytes), its length (4 bytes) and its encoding.
                var offset = 1
                while offset < bytes.count {
                    guard bytes.count - offset >= 12 else { return metrics.dropped(.malformed) }
                    let session = SessionID(bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) })
                    let length = bytes[offset + 8..<offset + 12].reduce(0) { $0 << 8 | Int($1) }
                    let start = offset + 12
                    guard bytes.count - start >= length, let message = try? ControlMessage.decode(bytes[start..<start + length]) else {
                        return metrics.dropped(.malformed)
                    }
                    handler(.message(session, message))
                    offset = start + length
                }
            case Self.closeKind where bytes.count == 9:
                handler(.close(SessionID(bytes[1..<9].reduce(0) { $0 << 8 | UInt64($1) })))
            default: metrics.dropped(.malformed)
            }
        }
    }

    private static let messageKind: UInt8 = 0
    private static let closeKind: UInt8 = 1
    /// The most bytes of control messages put in one NATS message to a node; more go in several
    /// (NATS refuses messages over 1 MiB by default).
    static let deliveryBatchBytes = 256 * 1024

    /// Sends `message` to `session` on its node.
    func deliver(_ message: ControlMessage, to session: SessionID) {
        deliver([(session, message)], toNode: Self.node(of: session))
    }

    /// Sends each message to its session on `node`, in order, in as few NATS messages as
    /// `deliveryBatchBytes` allows: a rekey's deliveries to a node's members cross as one.
    func deliver(_ messages: [(to: SessionID, message: ControlMessage)], toNode node: UInt16) {
        var batch: [UInt8] = [Self.messageKind]
        for (session, message) in messages {
            let encoded = message.encoded
            if batch.count > 1, batch.count + 12 + encoded.count > Self.deliveryBatchBytes {
                publishControl(batch, to: node)
                batch = [Self.messageKind]
            }
            batch += Self.bytes(session) + (0..<4).map { UInt8(truncatingIfNeeded: encoded.count >> (24 - 8 * $0)) } + encoded
        }
        if batch.count > 1 { publishControl(batch, to: node) }
    }

    /// Has `session`'s node close it.
    func close(_ session: SessionID) {
        publishControl([Self.closeKind] + Self.bytes(session), to: Self.node(of: session))
    }

    private func publishControl(_ bytes: [UInt8], to node: UInt16) {
        metrics.add(.interNodeControlSent)
        publish(bytes, on: "parlor.node.\(node)")
    }

    /// Calls `handler` (on a NATS thread) with each request another node passes to `room`'s
    /// authority: the session it is from and the message.
    func requests(for room: OpaqueKey, _ handler: @escaping @Sendable (SessionID, ControlMessage) -> Void) throws(NATSError) -> NATSSubscription {
        try connection.subscribe(subject(room, "rules")) { [metrics] _, bytes in
            guard bytes.count > 8, let message = try? ControlMessage.decode(bytes[8...]) else { return metrics.dropped(.malformed) }
            handler(SessionID(bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }), message)
        }
    }

    /// Passes `message` from `session` (on this node) to `room`'s authority.
    func forward(_ message: ControlMessage, from session: SessionID, to room: OpaqueKey) {
        publish(Self.bytes(session) + message.encoded, on: subject(room, "rules"))
    }

    /// Calls `handler` (on a NATS thread) with each media payload other nodes publish for `room`:
    /// stamped with its sender's slot, SFrame-encrypted end to end.
    func media(for room: OpaqueKey, _ handler: @escaping @Sendable ([UInt8]) -> Void) throws(NATSError) -> NATSSubscription {
        try connection.subscribe(subject(room, "media")) { [metrics] _, payload in
            metrics.add(.interNodePacketsReceived)
            handler(payload)
        }
    }

    /// Publishes a stamped media payload of `room` once, for every other node with members of it.
    func publishMedia(_ payload: [UInt8], room: OpaqueKey) {
        metrics.add(.interNodePacketsSent)
        publish(payload, on: subject(room, "media"))
    }

    /// Calls `handler` (on a NATS thread) when a node takes `room`'s authority over from another.
    func moves(of room: OpaqueKey, _ handler: @escaping @Sendable () -> Void) throws(NATSError) -> NATSSubscription {
        try connection.subscribe(subject(room, "moved")) { _, _ in handler() }
    }

    /// Tells the nodes with members of `room` that this node took its authority over: the
    /// members they admitted through the last authority join again here.
    func announceMove(of room: OpaqueKey) {
        publish([], on: subject(room, "moved"))
    }

    private func subject(_ room: OpaqueKey, _ kind: String) -> String {
        "parlor.room.\(name(of: room)).\(kind)"
    }

    /// `room`'s name on NATS: its id hashed under the cluster's key.
    func name(of room: OpaqueKey) -> ClusterRoomName { ClusterRoomName(room: room, clusterKey: clusterKey) }

    private func publish(_ bytes: [UInt8], on subject: String) {
        do {
            try connection.publish(bytes, on: subject)
        } catch {
            metrics.dropped(.sendFailed)
        }
    }

    private static func bytes(_ session: SessionID) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: session.value >> (56 - 8 * UInt64($0))) }
    }

    /// Leaves the cluster gracefully: gives up the leases this node holds, so the next node to be
    /// asked takes each room over at once (with its recorded invariants) rather than after the
    /// lease expires, then stops. Call it after the relay drained (`RelayServer.stop`): the
    /// rooms' last changes are recorded first.
    public func leave() {
        queue.sync {
            let now = Monotonic.nanoseconds
            for lease in leases.values { lease.release(now: now) }
            leases = [:]
        }
        stop()
    }

    /// Stops renewing and closes the connection, keeping nothing: the leases this node held
    /// expire by themselves, as when a node dies.
    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
            leases = [:]
            acting.withLock { $0 = [:] }
        }
        connection.close()
    }

    /// Asks to be `room`'s authority; `completion` runs on the cluster's queue. A node taking a
    /// room over (the lease new to it, invariants recorded) first writes them back, their next
    /// slot moved on: a write from the revision it read, which fences off any authority before it
    /// (docs/CLUSTER.md, "Two nodes both believing they lead").
    func claim(_ room: OpaqueKey, completion: @escaping @Sendable (Claim) -> Void) {
        queue.async { [self] in
            let name = ClusterRoomName(room: room, clusterKey: clusterKey)
            let lease = leases[room] ?? RoomLease(store: leaseStore, room: name, node: node)
            guard lease.refresh(now: Monotonic.nanoseconds) else { return completion(.refused) }
            guard leases[room] == nil else {
                // Led here already: a room that emptied, its lease kept (`emptyRoomLeaseKept`),
                // comes back as this node last recorded it, without a skip.
                releaseAt[room] = nil
                return completion(.held(latest[room], taken: false))
            }
            do {
                var invariants = try states.load(name)
                if var moved = invariants {
                    moved.nextSlot = moved.nextSlot > UInt16.max - Self.slotsSkippedAtTakeover ? UInt16.max : moved.nextSlot + Self.slotsSkippedAtTakeover
                    guard try states.record(moved, for: name) else { return completion(.refused) }
                    invariants = moved
                    latest[room] = moved
                }
                metrics.add(.leaseChanges)
                leases[room] = lease
                releaseAt[room] = nil
                setActing(room, until: lease.heldUntil)
                metrics.add(.roomsLed, leases.count - metrics.value(.roomsLed))
                completion(.held(invariants, taken: true))
            } catch {
                completion(.refused)
            }
        }
    }

    /// Records `room`'s invariants as its authority; a write another node fenced off ends this
    /// node's authority (`lost`); one that could not reach the cluster is made again at the next
    /// renewal.
    func record(_ invariants: RoomInvariants, for room: OpaqueKey) {
        queue.async { [self] in
            guard leases[room] != nil else { return }
            latest[room] = invariants
            write(room)
        }
    }

    /// Writes `room`'s latest invariants from this node's last revision. Success is also the
    /// fence a retaken lease waits for; a lost compare-and-set means another node acted.
    private func write(_ room: OpaqueKey) {
        guard let invariants = latest[room] else {
            // Nothing recorded to fence with: another node may have made the room meanwhile.
            if unfenced.contains(room) { lose(room) }
            return
        }
        do {
            guard try states.record(invariants, for: ClusterRoomName(room: room, clusterKey: clusterKey)) else { return lose(room) }
            unrecorded.remove(room)
            if unfenced.remove(room) != nil, let lease = leases[room] {
                metrics.add(.leaseRetakes)
                waiting.remove(room)
                setActing(room, until: lease.heldUntil)
            }
        } catch {
            unrecorded.insert(room)
        }
    }

    /// Whether this node may change `room`'s rules at `now` (admit, promote, moderate, move the
    /// epoch): it holds the room's lease, renewed less than `RoomLease.hold` ago, and any retake
    /// of it has been fenced. Media and leaving never wait for this. Safe from any thread.
    func mayChangeRules(of room: OpaqueKey, now: UInt64) -> Bool {
        acting.withLock { now < ($0[room] ?? 0) }
    }

    private func setActing(_ room: OpaqueKey, until: UInt64?) {
        acting.withLock { $0[room] = until }
    }

    /// `room` emptied here: its lease goes after `emptyRoomLeaseKept` unless claimed again.
    func emptied(_ room: OpaqueKey) {
        queue.async { [self] in
            if leases[room] != nil { releaseAt[room] = Monotonic.nanoseconds + Self.emptyRoomLeaseKept }
        }
    }

    private static func aliveKey(_ number: UInt16) -> String { "node.\(number)" }

    /// Which of the nodes `numbers` are dead (their lease expired); `completion` runs on the
    /// cluster's queue. A node the cluster cannot be asked about counts as alive, and so does
    /// every node until this one has been renewing its own lease for `aliveLeaseSettled`: after
    /// an outage of the cluster, every node's lease may have expired, and the others need a
    /// renewal of their own to come back.
    func deadNodes(among numbers: Set<UInt16>, completion: @escaping @Sendable (Set<UInt16>) -> Void) {
        queue.async { [self] in
            guard let since = reachableSince, Monotonic.nanoseconds - since >= Self.aliveLeaseSettled else { return completion([]) }
            completion(numbers.filter { number in
                do { return try leaseStore.get(Self.aliveKey(number)) == nil } catch { return false }
            })
        }
    }

    /// How long this node must have reached the cluster before it judges other nodes dead: a
    /// lease's lifetime and one renewal.
    static let aliveLeaseSettled = UInt64(RoomLease.ttlMilliseconds) * 1_000_000 + RoomLease.renewInterval

    /// Renews this node's leases. A room whose lease cannot be reached keeps its members and its
    /// media; its rules wait (`mayChangeRules` turns false when the hold runs out) until a renewal
    /// succeeds — at once, when the lease's chain of revisions is unbroken; after the fence, when
    /// the lease expired meanwhile and had to be taken again. Only a lease someone else holds, or
    /// a fence someone else's write beat, ends this node's authority.
    private func renewAll() {
        let now = Monotonic.nanoseconds
        switch alive?.renew(now: now) {
        case .held, .retaken: if reachableSince == nil { reachableSince = now }
        default: reachableSince = nil
        }
        for (room, lease) in leases {
            if let release = releaseAt[room], now >= release {
                leases[room] = nil
                releaseAt[room] = nil
                latest[room] = nil
                unrecorded.remove(room)
                unfenced.remove(room)
                waiting.remove(room)
                setActing(room, until: nil)
                continue
            }
            switch lease.renew(now: now) {
            case .refused:
                lose(room)
                continue
            case .cutOff:
                // Now, not the tick's start: the calls before this one may have waited long.
                if Monotonic.nanoseconds >= lease.heldUntil, waiting.insert(room).inserted { metrics.add(.ruleWaits) }
                continue
            case .retaken:
                if waiting.insert(room).inserted { metrics.add(.ruleWaits) }
                unfenced.insert(room)
                setActing(room, until: 0)
            case .held:
                if !unfenced.contains(room) {
                    setActing(room, until: lease.heldUntil)
                    waiting.remove(room)
                }
            }
            if unfenced.contains(room) || unrecorded.contains(room) { write(room) }
        }
        metrics.add(.roomsLed, leases.count - metrics.value(.roomsLed))
    }

    private func lose(_ room: OpaqueKey) {
        guard leases.removeValue(forKey: room) != nil else { return }
        releaseAt[room] = nil
        latest[room] = nil
        unrecorded.remove(room)
        unfenced.remove(room)
        waiting.remove(room)
        setActing(room, until: nil)
        metrics.add(.leaseChanges)
        metrics.add(.roomsLed, leases.count - metrics.value(.roomsLed))
        onLost(room)
    }
}
