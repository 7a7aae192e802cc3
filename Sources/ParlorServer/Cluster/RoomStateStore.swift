/// Where each room's authority keeps its `RoomInvariants` on the cluster, for the next
/// authority to carry on from: a key-value entry per room, written by compare-and-set from the
/// revision this node last read or wrote. A write that loses means another node wrote since —
/// it took the authority over — so the write doubles as a fence: the loser stops acting.
final class RoomStateStore {
    private let store: NATSKeyValue
    /// The revision this node last read or wrote, per room (0: it read no value).
    private var revisions: [ClusterRoomName: UInt64] = [:]

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
    /// recorded: it is no longer the room's authority.
    func record(_ invariants: RoomInvariants, for room: ClusterRoomName) throws -> Bool {
        let last = revisions[room] ?? 0
        let written = last == 0 ? try store.create(key(room), invariants.encoded)
                                : try store.update(key(room), invariants.encoded, last: last)
        guard let written else {
            revisions[room] = nil
            return false
        }
        revisions[room] = written
        return true
    }

    private func key(_ room: ClusterRoomName) -> String { "room.\(room.text)" }
}
