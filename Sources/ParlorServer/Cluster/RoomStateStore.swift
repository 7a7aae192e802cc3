/// Where each room's authority keeps its `RoomInvariants` on the cluster, for the next
/// authority to carry on from: a key-value entry per room, written by compare-and-set from the
/// revision this node last read or wrote. A write that loses means another node wrote since —
/// it took the authority over — so the write doubles as a fence: the loser stops acting.
final class RoomStateStore {
    private let store: NATSKeyValue
    /// The revision this node last read or wrote, per room (0: it read no value).
    private var revisions: [ClusterRoomName: UInt64] = [:]
    /// What this node tried to write per room since its last answered write (the writes threw).
    private var attempted: [ClusterRoomName: [[UInt8]]] = [:]

    /// The bucket: no TTL, so a room's promises outlive any pause (`NATSKeyValue`'s ttl applies
    /// to the whole bucket).
    init(store: NATSKeyValue) { self.store = store }

    /// The room's invariants as the last authority left them, or nil for a room the cluster never
    /// saw. Read by a node as it takes the authority, before it acts.
    func load(_ room: ClusterRoomName) throws -> RoomInvariants? {
        guard let entry = try store.get(key(room)) else {
            revisions[room] = 0
            return nil
        }
        revisions[room] = entry.revision
        return try RoomInvariants(encoded: entry.value)
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
    func record(_ invariants: RoomInvariants, for room: ClusterRoomName) throws -> Bool {
        let encoded = invariants.encoded
        let last = revisions[room] ?? 0
        attempted[room, default: []].append(encoded)
        var written = last == 0 ? try store.create(key(room), encoded) : try store.update(key(room), encoded, last: last)
        if written == nil, let tried = attempted[room], let entry = try store.get(key(room)), tried.dropLast().contains(entry.value) {
            // This node's last write, stored unanswered: carry on from it.
            written = try store.update(key(room), encoded, last: entry.revision)
        }
        attempted[room] = nil
        revisions[room] = written
        return written != nil
    }

    private func key(_ room: ClusterRoomName) -> String { "room.\(room.text)" }
}
