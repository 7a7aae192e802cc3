/// Everything the room secret S (32 random bytes, carried only in invite links) derives:
///
///     room id        = BLAKE2b-256(key: S, "parlor/1 room id")
///     metadata key   = HKDF-SHA256(salt: empty, ikm: S, info: "parlor/1 metadata", L: 32)
///     epoch 0 secret = HKDF-SHA256(salt: empty, ikm: S, info: "parlor/1 epoch 0", L: 32)
///     sender key     = HKDF-SHA256(salt: empty, ikm: epoch secret,
///                              info: "parlor/1 sender" ‖ slot(2, BE) ‖ box key(32), L: 32)
///
/// The relay sees only the room id. A sender key is the SFrame base key for KID
/// `epoch << 16 | slot`. The sender's box key (X25519, fresh for every session) is in the
/// derivation because slots restart at 1 when a room is created again (after it emptied, or
/// after a relay restart) while epoch secrets carry over: without it the same (epoch, slot)
/// would restart a counter under the same key and reuse nonces.
public struct RoomKeys: Sendable, Equatable {
    /// Length of S, the room id, the metadata key and every epoch secret.
    public static let secretLength = 32
    static let roomIDLabel = Array("parlor/1 room id".utf8)
    static let metadataLabel = Array("parlor/1 metadata".utf8)
    static let epochZeroLabel = Array("parlor/1 epoch 0".utf8)
    static let senderLabel = Array("parlor/1 sender".utf8)

    public let roomSecret: [UInt8]
    public let roomID: [UInt8]
    public let metadataKey: [UInt8]
    public let epochZeroSecret: [UInt8]

    /// A new room: a fresh random secret.
    public static func generate() -> RoomKeys {
        (try? RoomKeys(roomSecret: SecureRandom.bytes(secretLength)))!
    }

    public init(roomSecret: [UInt8]) throws(CryptoError) {
        guard roomSecret.count == Self.secretLength else {
            throw CryptoError.invalidLength(what: "room secret", expected: Self.secretLength, got: roomSecret.count)
        }
        self.roomSecret = roomSecret
        roomID = try BLAKE2b.hash(Self.roomIDLabel, key: roomSecret, outputLength: Self.secretLength)
        metadataKey = try HKDFSHA256.derive(salt: [], ikm: roomSecret, info: Self.metadataLabel, length: Self.secretLength)
        epochZeroSecret = try HKDFSHA256.derive(salt: [], ikm: roomSecret, info: Self.epochZeroLabel, length: Self.secretLength)
    }

    /// A new epoch's secret: random (not derived), delivered sealed to each member.
    public static func newEpochSecret() -> [UInt8] {
        SecureRandom.bytes(secretLength)
    }

    /// The SFrame base key of the member in `senderSlot`, whose session's box key is `boxKey`, for an epoch.
    public static func senderKey(epochSecret: [UInt8], senderSlot: UInt16, boxKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard epochSecret.count == secretLength else {
            throw CryptoError.invalidLength(what: "epoch secret", expected: secretLength, got: epochSecret.count)
        }
        guard boxKey.count == X25519KeyPair.keyLength else {
            throw CryptoError.invalidLength(what: "box key", expected: X25519KeyPair.keyLength, got: boxKey.count)
        }
        let info = senderLabel + [UInt8(senderSlot >> 8), UInt8(truncatingIfNeeded: senderSlot)] + boxKey
        return try HKDFSHA256.derive(salt: [], ikm: epochSecret, info: info, length: secretLength)
    }
}
