/// What a room's two anchors derive. The **host key** (the host's per-room Ed25519 key, pinned
/// in every link) names the room; the **room secret** S (32 random bytes, carried only in
/// invite links) seals its metadata:
///
///     room id      = BLAKE2b-256("parlor/1 room id" ‖ host key)
///     metadata key = HKDF-SHA256(salt: empty, ikm: S, info: "parlor/1 metadata", L: 32)
///     sender key   = HKDF-SHA256(salt: empty, ikm: epoch secret,
///                                info: "parlor/1 sender" ‖ slot(2, BE) ‖ box key(32), L: 32)
///     commitment   = BLAKE2b-256(key: epoch secret, "parlor/1 epoch commitment")
///
/// The room id follows from the host key, so a relay can check that whoever creates a room holds
/// the key the room is named after: nobody else can create it, not after a restart either.
/// No audio key derives from S: every epoch secret is random and comes sealed from the room's
/// authority (`EpochStatement`), so a link that leaks later opens no recorded audio.
/// A sender key is the SFrame base key for KID `epoch << 16 | slot`. The sender's box key
/// (X25519, fresh for every session) is in the derivation because slots restart at 1 when a room
/// is created again while epoch secrets carry over.
public struct RoomKeys: Sendable, Equatable {
    /// Length of S, the room id, the metadata key and every epoch secret.
    public static let secretLength = 32
    static let roomIDLabel = Array("parlor/1 room id".utf8)
    static let metadataLabel = Array("parlor/1 metadata".utf8)
    static let senderLabel = Array("parlor/1 sender".utf8)
    static let commitmentLabel = Array("parlor/1 epoch commitment".utf8)

    public let roomSecret: [UInt8]
    public let hostKey: [UInt8]
    public let roomID: [UInt8]
    public let metadataKey: [UInt8]

    /// A new room's secret for the host key `hostKey`.
    public static func generate(hostKey: [UInt8]) -> RoomKeys {
        (try? RoomKeys(roomSecret: SecureRandom.bytes(secretLength), hostKey: hostKey))!
    }

    public init(roomSecret: [UInt8], hostKey: [UInt8]) throws(CryptoError) {
        guard roomSecret.count == Self.secretLength else {
            throw CryptoError.invalidLength(what: "room secret", expected: Self.secretLength, got: roomSecret.count)
        }
        self.roomSecret = roomSecret
        self.hostKey = hostKey
        roomID = try Self.roomID(hostKey: hostKey)
        metadataKey = try HKDFSHA256.derive(salt: [], ikm: roomSecret, info: Self.metadataLabel, length: Self.secretLength)
    }

    /// The id of the room whose host key is `hostKey`: what the relay checks at `create_room`.
    public static func roomID(hostKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard hostKey.count == Ed25519SigningKey.keyLength else {
            throw CryptoError.invalidLength(what: "host key", expected: Ed25519SigningKey.keyLength, got: hostKey.count)
        }
        return try BLAKE2b.hash(roomIDLabel + hostKey, outputLength: secretLength)
    }

    /// A new epoch's secret: random (never derived), delivered sealed to each member.
    public static func newEpochSecret() -> [UInt8] {
        SecureRandom.bytes(secretLength)
    }

    /// What an `EpochStatement` commits to: a member that opens its sealed copy checks the secret
    /// against it, so a relay that seals a secret of its own choosing is caught.
    public static func commitment(epochSecret: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard epochSecret.count == secretLength else {
            throw CryptoError.invalidLength(what: "epoch secret", expected: secretLength, got: epochSecret.count)
        }
        return try BLAKE2b.hash(commitmentLabel, key: epochSecret, outputLength: secretLength)
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
