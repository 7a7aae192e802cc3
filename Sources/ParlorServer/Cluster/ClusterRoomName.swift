import ParlorCrypto

/// How the cluster names a room on NATS (in key-value keys and subjects): the room id hashed
/// under the cluster's secret key (keyed BLAKE2b, 16 bytes, in hex). The room id itself is in
/// every link to the room; this name is not, so whoever reads NATS traffic without the cluster
/// key cannot tell which room a key or subject is about, nor find a room they hold a link to.
struct ClusterRoomName: Hashable, Sendable, CustomStringConvertible {
    /// 32 lowercase hex digits.
    let text: String

    /// Bytes of the hash.
    static let length = 16
    /// The cluster key's length: what every node of the cluster shares.
    static let keyLength = 32

    init(room: OpaqueKey, clusterKey: [UInt8]) {
        precondition(clusterKey.count == Self.keyLength, "a cluster key is \(Self.keyLength) bytes")
        // BLAKE2b accepts any key of 1–64 bytes and any output of 16–64: neither call can fail.
        let hash = try! BLAKE2b.hash(room.bytes, key: clusterKey, outputLength: Self.length)
        text = hash.map { String(format: "%02x", $0) }.joined()
    }

    var description: String { text }
}
