/// The per-direction ChaCha20-Poly1305 keys of the media datagrams, derived from the Noise
/// session's final chaining key:
/// `HKDF-SHA256(salt: empty, ikm: ck, info: "parlor/1 media", L: 64)`; the first 32 bytes key
/// client→relay, the last 32 relay→client.
public struct MediaKeys: Sendable, Equatable {
    /// HKDF info label.
    public static let label = Array("parlor/1 media".utf8)

    /// The key this side encrypts with.
    public let sending: [UInt8]
    /// The key this side decrypts with.
    public let receiving: [UInt8]

    /// Derives both keys and orients them for the client (Noise initiator) or the relay.
    init(chainingKey: [UInt8], isClient: Bool) throws(CryptoError) {
        let okm = try HKDFSHA256.derive(salt: [], ikm: chainingKey, info: Self.label, length: 2 * ChaCha20Poly1305.keyLength)
        let clientToRelay = Array(okm.prefix(ChaCha20Poly1305.keyLength))
        let relayToClient = Array(okm.suffix(ChaCha20Poly1305.keyLength))
        sending = isClient ? clientToRelay : relayToClient
        receiving = isClient ? relayToClient : clientToRelay
    }
}
