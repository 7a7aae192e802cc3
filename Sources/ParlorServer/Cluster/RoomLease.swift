/// One room's authority lease on the cluster (or a node's lease on being alive): a key in a
/// JetStream key-value bucket whose
/// entries expire `ttl` after their last write (by the NATS server's clock), written only by
/// compare-and-set. A node takes the lease by creating the key (which fails while another holds
/// it) and keeps it by updating it from the revision it last wrote, every `renewInterval`.
///
/// A holder counts the lease as its own for `hold` after a renewal *began* — less than the
/// ttl, which the server counts from when it stored that renewal — so a holder cut off from NATS
/// stops acting at least `ttl - hold` before anyone else can take the lease. A holder whose
/// update loses learns at once that someone else holds it. See docs/CLUSTER.md.
final class RoomLease {
    /// How long the lease lives on the server after its last renewal.
    static let ttlMilliseconds: Int64 = 2_000
    /// How often the holder renews, and a contender tries to take it.
    static let renewInterval: UInt64 = 500_000_000
    /// How long after a renewal began its holder acts on it.
    static let hold: UInt64 = 1_500_000_000

    /// What a `refresh` found.
    enum Standing: Equatable {
        /// This node holds the lease, by an unbroken chain of its own writes since it took it.
        case held
        /// This node holds the lease again, but created it anew after losing track of its
        /// revision (it expired while this node was cut off): someone else may have held it in
        /// between, which only a fence (`RoomStateStore.fence`) can rule out.
        case retaken
        /// The cluster could not be reached: nothing was extended (`heldUntil` stands).
        case cutOff
        /// Someone else holds the lease.
        case refused
    }

    private let store: NATSKeyValue
    private let key: String
    /// What the holder writes: its node's name (the operator's, not a room's or a person's).
    private let holder: [UInt8]
    /// The revision this node last wrote, while it believes it holds the lease.
    private var revision: UInt64?
    /// Whether this node held the lease before and lost track of it: its next create is a retake.
    private var heldBefore = false
    /// Until when (monotonic nanoseconds) this node acts as the authority.
    private(set) var heldUntil: UInt64 = 0
    /// Why the last `refresh` could not reach the cluster, if it could not.
    private(set) var lastError: NATSError?

    /// The lease of room `room` in `store` (a bucket whose ttl is `ttlMilliseconds`), for the node `node`.
    convenience init(store: NATSKeyValue, room: ClusterRoomName, node: String) {
        self.init(store: store, key: "lease.\(room.text)", node: node)
    }

    /// The lease under `key` in `store`, for the node `node`.
    init(store: NATSKeyValue, key: String, node: String) {
        self.store = store
        self.key = key
        holder = Array(node.utf8)
    }

    /// Whether this node acts as the room's authority at `now`.
    func isHeld(at now: UInt64) -> Bool { revision != nil && now < heldUntil }

    /// Gives the lease up at once (a node leaving the cluster), so the next node need not wait for
    /// it to expire; only while this node holds it.
    func release(now: UInt64) {
        guard isHeld(at: now) else { return }
        revision = nil
        heldUntil = 0
        do throws(NATSError) {
            try store.delete(key)
        } catch {
            lastError = error
        }
    }

    /// Takes the lease if it is free, or renews it if this node holds it; `now` is the monotonic
    /// time before the call. Returns whether this node holds it afterwards. When the cluster
    /// cannot be reached, nothing is extended: a holder keeps it until `heldUntil`, then not.
    @discardableResult
    func refresh(now: UInt64) -> Bool {
        _ = renew(now: now)
        return isHeld(at: now)
    }

    /// Renews the lease (or takes it), saying how that went. An update that loses its
    /// compare-and-set is not yet a loss: a write of this node's that the server stored but whose
    /// answer never came (a timeout while the cluster elected a leader) leaves the key at a
    /// revision this node did not learn. The key's value then names this node, and only this
    /// node writes its name, by an update from its own revision: the chain is unbroken and this
    /// node carries on from that revision. A key that expired meanwhile is created again: a retake,
    /// once this node held it (a first take is `held`: the caller fences it as a takeover).
    func renew(now: UInt64) -> Standing {
        lastError = nil
        do throws(NATSError) {
            if let revision {
                if let written = try store.update(key, holder, last: revision) {
                    return keep(written, now: now, standing: .held)
                }
                if let entry = try store.get(key) {
                    guard entry.value == holder else { return drop() }
                    return keep(entry.revision, now: now, standing: .held)
                }
                self.revision = nil
            }
            let standing: Standing = heldBefore ? .retaken : .held
            if let written = try store.create(key, holder) { return keep(written, now: now, standing: standing) }
            // A create of this node's whose answer was lost, or someone else's.
            guard let entry = try store.get(key), entry.value == holder else { return drop() }
            return keep(entry.revision, now: now, standing: standing)
        } catch {
            lastError = error
            return .cutOff
        }
    }

    private func keep(_ written: UInt64, now: UInt64, standing: Standing) -> Standing {
        revision = written
        heldBefore = true
        heldUntil = now + Self.hold
        return standing
    }

    private func drop() -> Standing {
        revision = nil
        heldUntil = 0
        return .refused
    }
}
