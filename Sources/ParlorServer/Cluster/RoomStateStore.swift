/// Where each room's authority keeps its `RoomInvariants` on the cluster, for the next
/// authority to carry on from: a key-value entry per room, written by compare-and-set from the
/// revision this node last read or wrote. A write that loses means another node wrote since —
/// it took the authority over — so the write doubles as a fence: the loser stops acting.
///
/// The admitted member keys are not in that entry but in 256 shards beside it (`AdmittedShard`),
/// each added to only when a key in it is first admitted: no write grows with the room (docs/CLUSTER.md).
final class RoomStateStore {
    private let store: NATSKeyValue
    /// The revision this node last read or wrote, per room (0: it read no value).
    private var revisions: [ClusterRoomName: UInt64] = [:]
    /// What this node tried to write per room since its last answered write (the writes threw).
    private var attempted: [ClusterRoomName: [[UInt8]]] = [:]
    /// The admitted keys this node read or wrote to each room's shards, all of them (to find the
    /// new ones without hashing every key) and by shard with the revision last read or written.
    private var admitted: [ClusterRoomName: Set<OpaqueKey>] = [:]
    private var shards: [ClusterRoomName: [UInt8: (keys: Set<OpaqueKey>, revision: UInt64)]] = [:]

    /// How many times a shard write that lost its compare-and-set is made again from a fresh read
    /// before it counts as unreachable (and is made again at the next record).
    static let shardAttempts = 4

    /// The bucket: no TTL, so a room's promises outlive any pause (`NATSKeyValue`'s ttl applies
    /// to the whole bucket).
    init(store: NATSKeyValue) { self.store = store }

    /// The room's invariants as the last authority left them, or nil for a room the cluster never
    /// saw. Read by a node as it takes the authority, before it acts: the main entry, then the
    /// admitted keys from every shard it names.
    func load(_ room: ClusterRoomName) throws -> RoomInvariants? {
        admitted[room] = []
        shards[room] = [:]
        guard let entry = try store.get(key(room)) else {
            revisions[room] = 0
            return nil
        }
        revisions[room] = entry.revision
        var (invariants, named) = try RoomInvariants.decode(entry.value)
        for shard in named.sorted() {
            guard let stored = try store.get(AdmittedShard.key(shard, of: room)) else { continue }
            let keys = try AdmittedShard.decode(stored.value)
            shards[room, default: [:]][shard] = (keys, stored.revision)
            invariants.admitted.formUnion(keys)
        }
        admitted[room] = invariants.admitted
        return invariants
    }

    /// Writes the room's invariants. False when another node wrote since this one last loaded or
    /// recorded: it is no longer the room's authority. A write that loses its compare-and-set
    /// because this node's own last write was stored but its answer lost (a timeout while the
    /// cluster elected a leader) is recognised by its bytes — another authority's never equal
    /// this one's, as a takeover moves the next slot on (`RelayCluster.slotsSkippedAtTakeover`)
    /// — and the write is made again from there.
    ///
    /// Every authority writes here before its first change to a room (`RelayCluster.claim`), so
    /// a write from the revision this node last wrote that succeeds is also a *fence*: nobody
    /// else changed the room's rules since (see docs/CLUSTER.md).
    ///
    /// Once the main entry is written, the keys admitted since this node last read or wrote the
    /// room's shards are added to theirs. (The main entry names every shard that holds a key
    /// first, so a node loading the room never misses one.)
    func record(_ invariants: RoomInvariants, for room: ClusterRoomName) throws -> Bool {
        let new = Dictionary(grouping: invariants.admitted.subtracting(admitted[room] ?? [])) { AdmittedShard.index(of: $0, in: room) }
        let named = Set(shards[room].map { Array($0.keys) } ?? []).union(new.keys)
        let encoded = invariants.encoded(admittedShards: named)
        let last = revisions[room] ?? 0
        attempted[room, default: []].append(encoded)
        var written = last == 0 ? try store.create(key(room), encoded) : try store.update(key(room), encoded, last: last)
        if written == nil, let tried = attempted[room], let entry = try store.get(key(room)), tried.dropLast().contains(entry.value) {
            // This node's last write, stored unanswered: carry on from it.
            written = try store.update(key(room), encoded, last: entry.revision)
        }
        attempted[room] = nil
        revisions[room] = written
        guard written != nil else { return false }
        for (shard, keys) in new.sorted(by: { $0.key < $1.key }) {
            try add(Set(keys), to: shard, of: room)
        }
        return true
    }

    /// Adds newly admitted `keys` to their shard by compare-and-set from the revision this node
    /// last read or wrote. A shard only grows, so a write that loses (a deposed authority's last
    /// write landed after this node read) is made again on a fresh read, keeping both: the main
    /// entry's fence, not the shards, decides who leads.
    private func add(_ keys: Set<OpaqueKey>, to shard: UInt8, of room: ClusterRoomName) throws {
        let key = AdmittedShard.key(shard, of: room)
        var held = shards[room]?[shard]
        if held == nil, let stored = try store.get(key) {
            held = (try AdmittedShard.decode(stored.value), stored.revision)
        }
        for _ in 0..<Self.shardAttempts {
            let union = (held?.keys ?? []).union(keys)
            let value = AdmittedShard.encoded(union)
            let written = if let held { try store.update(key, value, last: held.revision) } else { try store.create(key, value) }
            if let written {
                shards[room, default: [:]][shard] = (union, written)
                admitted[room, default: []].formUnion(union)
                return
            }
            held = try store.get(key).map { (try AdmittedShard.decode($0.value), $0.revision) }
        }
        throw ShardContended()
    }

    /// A shard write lost its compare-and-set on every attempt.
    struct ShardContended: Error {}

    private func key(_ room: ClusterRoomName) -> String { "room.\(room.text)" }
}
