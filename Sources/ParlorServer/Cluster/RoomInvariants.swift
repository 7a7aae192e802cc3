import ParlorCrypto

/// What of a room must outlive the node that holds its authority, so that the next authority
/// keeps the room's promises: sender slots never reused (SFrame nonces), the epoch never moved
/// back, banned keys out, revoked grants void, moved-down members in the audience, admitted
/// members able to come back, the newest charter. Members, roles and hands are not here: they
/// belong to live sessions, which join the new authority again.
///
/// Everything in it one relay already sees; none of it names a room or a person. Its encoding
/// leaves the admitted keys out: `RoomStateStore` keeps them in shards of their own
/// (`AdmittedShard`), added to as members are first admitted, so no write grows with the room.
struct RoomInvariants: Equatable, Sendable {
    var hostKey: OpaqueKey
    var charter: RoomCharter
    /// The next sender slot to give out: every slot below it was used.
    var nextSlot: UInt16
    /// The epoch of the last key delivery (0 before any).
    var epoch: UInt64
    var banned: Set<OpaqueKey>
    var demoted: Set<OpaqueKey>
    var admitted: Set<OpaqueKey>
    var revokedGrants: Set<[UInt8]>

    /// Bytes that are not an encoding of invariants (another version, cut short, bad lengths).
    struct Malformed: Error {}

    /// The encoding's version byte (2: the admitted keys moved to shards of their own).
    static let version: UInt8 = 2

    /// Version, host key, next slot, epoch, charter, then the banned and demoted keys (sorted),
    /// the revoked grants, each as a count and fixed or length-prefixed items, and last a bitmap
    /// of the `admittedShards` that hold admitted keys (32 bytes, shard n in bit n % 8 of byte
    /// n / 8); integers big-endian. The admitted keys themselves are not in it.
    func encoded(admittedShards: Set<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = [Self.version]
        bytes += hostKey.bytes
        bytes += Self.bigEndian(UInt64(nextSlot), count: 2)
        bytes += Self.bigEndian(epoch, count: 8)
        let charterBytes = charter.encoded
        bytes += Self.bigEndian(UInt64(charterBytes.count), count: 4) + charterBytes
        for keys in [banned, demoted] {
            let sorted = keys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }
            bytes += Self.bigEndian(UInt64(sorted.count), count: 4)
            for key in sorted { bytes += key }
        }
        let grants = revokedGrants.sorted { $0.lexicographicallyPrecedes($1) }
        bytes += Self.bigEndian(UInt64(grants.count), count: 4)
        for grant in grants { bytes += Self.bigEndian(UInt64(grant.count), count: 2) + grant }
        var bitmap = [UInt8](repeating: 0, count: Self.shardBitmapLength)
        for shard in admittedShards { bitmap[Int(shard) / 8] |= 1 << (shard % 8) }
        return bytes + bitmap
    }

    private static let shardBitmapLength = 32

    init(hostKey: OpaqueKey, charter: RoomCharter, nextSlot: UInt16, epoch: UInt64, banned: Set<OpaqueKey>,
         demoted: Set<OpaqueKey>, admitted: Set<OpaqueKey>, revokedGrants: Set<[UInt8]>) {
        self.hostKey = hostKey
        self.charter = charter
        self.nextSlot = nextSlot
        self.epoch = epoch
        self.banned = banned
        self.demoted = demoted
        self.admitted = admitted
        self.revokedGrants = revokedGrants
    }

    /// Decodes `encoded(admittedShards:)`: the invariants with no admitted keys, and the shards
    /// that hold them.
    static func decode(_ bytes: [UInt8]) throws(Malformed) -> (invariants: RoomInvariants, admittedShards: Set<UInt8>) {
        var reader = Reader(bytes: bytes)
        let invariants = try RoomInvariants(reading: &reader)
        let bitmap = try reader.take(shardBitmapLength)
        guard reader.offset == bytes.count else { throw Malformed() }
        let shards = (0...UInt8.max).filter { bitmap[Int($0) / 8] & (1 << ($0 % 8)) != 0 }
        return (invariants, Set(shards))
    }

    private init(reading reader: inout Reader) throws(Malformed) {
        guard try reader.take(1) == [Self.version] else { throw Malformed() }
        guard let host = OpaqueKey(try reader.take(32)) else { throw Malformed() }
        hostKey = host
        nextSlot = UInt16(try reader.integer(2))
        epoch = try reader.integer(8)
        do {
            charter = try RoomCharter(encoded: try reader.take(Int(try reader.integer(4))))
        } catch {
            throw Malformed()
        }
        var sets: [Set<OpaqueKey>] = []
        for _ in 0..<2 {
            var keys = Set<OpaqueKey>()
            for _ in 0..<(try reader.integer(4)) {
                guard let key = OpaqueKey(try reader.take(32)) else { throw Malformed() }
                keys.insert(key)
            }
            sets.append(keys)
        }
        (banned, demoted, admitted) = (sets[0], sets[1], [])
        revokedGrants = []
        for _ in 0..<(try reader.integer(4)) {
            revokedGrants.insert(try reader.take(Int(try reader.integer(2))))
        }
    }

    private static func bigEndian(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(count - 1 - $0))) }
    }

    /// Reads the encoding front to back; any read past the end is `Malformed`.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func take(_ count: Int) throws(Malformed) -> [UInt8] {
            guard count >= 0, bytes.count - offset >= count else { throw Malformed() }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func integer(_ count: Int) throws(Malformed) -> UInt64 {
            try take(count).reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}
