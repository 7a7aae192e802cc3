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

    private let store: NATSKeyValue
    private let key: String
    /// What the holder writes: its node's name (the operator's, not a room's or a person's).
    private let holder: [UInt8]
    /// The revision this node last wrote, while it believes it holds the lease.
    private var revision: UInt64?
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
        do throws(NATSError) {
            lastError = nil
            let written: UInt64?
            if let revision {
                written = try store.update(key, holder, last: revision)
            } else {
                written = try store.create(key, holder)
            }
            revision = written
            if written != nil { heldUntil = now + Self.hold }
        } catch {
            lastError = error
        }
        return isHeld(at: now)
    }
}
