/// Seals the room's metadata (display names, title, chat, reactions) under the metadata key:
/// XChaCha20-Poly1305 with a random nonce, the kind of blob as associated data so that one kind
/// cannot be passed off as another. The relay stores and forwards the blobs without reading them.
public enum MetadataBox {
    /// What a blob holds; its number is the associated data.
    public enum Kind: UInt8, Sendable {
        case displayName = 1
        case roomTitle = 2
        case chat = 3
        case reaction = 4
        /// A listed room's title in the relay's directory, under `directoryKey(relayPublicKey:)`.
        case directoryTitle = 5
        /// A moderator's invitation to the stage: the 169-byte grant for the invitee, sent to it alone.
        case stageInvitation = 6
        /// A moderator's ban, told to the host alone: the banned member key and its link key, sealed
        /// to the host's box key, so that the host replaces that link.
        case banNotice = 7
    }

    static let directoryLabel = Array("parlor/1 directory".utf8)

    /// The key of directory titles: anyone who knows the relay can read them (a listed room's
    /// title is public by the host's choice).
    public static func directoryKey(relayPublicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        try HKDFSHA256.derive(salt: [], ikm: relayPublicKey, info: directoryLabel, length: RoomKeys.secretLength)
    }

    /// `nonce(24) ‖ ciphertext ‖ tag(16)` of `plaintext`.
    public static func seal(_ plaintext: [UInt8], kind: Kind, metadataKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        try XChaCha20Poly1305.seal(plaintext, key: metadataKey, ad: [kind.rawValue])
    }

    /// Opens a blob of the given kind.
    public static func open(_ blob: [UInt8], kind: Kind, metadataKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        try XChaCha20Poly1305.open(blob, key: metadataKey, ad: [kind.rawValue])
    }
}
