import ParlorCrypto

/// One of the 256 shards of a room's admitted member keys on the cluster, the key
/// `room.<name>.admitted.<shard>` in the `parlor-rooms` bucket (`RoomStateStore`). A key's shard
/// is the first byte of its hash keyed by the room's cluster name, so the keys spread evenly over
/// the shards (a room of 100,000 admitted keys: about 390 a shard, 12.5 KB) and nobody without
/// the cluster key can aim many keys at one shard. A shard only grows: each write adds the keys
/// newly admitted to what the shard holds.
enum AdmittedShard {
    /// Bytes that are not an encoding of a shard (a length that is not whole keys).
    struct Malformed: Error {}

    /// The shard that holds `key` in `room`.
    static func index(of key: OpaqueKey, in room: ClusterRoomName) -> UInt8 {
        // A 32-byte key and a 16-byte output: within BLAKE2b's bounds, the call cannot fail.
        try! BLAKE2b.hash(key.bytes, key: Array(room.text.utf8), outputLength: 16)[0]
    }

    /// The shard's key-value key: the room's cluster name and the shard number, in hex.
    static func key(_ shard: UInt8, of room: ClusterRoomName) -> String {
        "room.\(room.text).admitted.\(String(shard, radix: 16))"
    }

    /// The keys sorted and concatenated, 32 bytes each.
    static func encoded(_ keys: Set<OpaqueKey>) -> [UInt8] {
        keys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 }
    }

    static func decode(_ bytes: [UInt8]) throws(Malformed) -> Set<OpaqueKey> {
        guard bytes.count % 32 == 0 else { throw Malformed() }
        var keys = Set<OpaqueKey>()
        for start in stride(from: 0, to: bytes.count, by: 32) {
            guard let key = OpaqueKey(Array(bytes[start..<start + 32])) else { throw Malformed() }
            keys.insert(key)
        }
        return keys
    }
}
