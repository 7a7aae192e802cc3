import ParlorCrypto

/// The relay's load defence on the control channel, WireGuard style (docs/PROTOCOL.md §2,
/// "Cookie reply"), and the client's part in it.
///
/// Above its handshake rate a relay does no Diffie-Hellman work for a new connection: it answers
/// message 1 with an empty frame and a cookie reply (`CookieReply`'s 64-byte layout, receiver
/// index 0) and closes the connection. The cookie is a MAC of the client's IP address under a
/// secret the relay rotates, sealed under a key derived from the relay's public key (so only a
/// client that knows the relay can read it), with message 1 as associated data (so it answers
/// that message only). The client reconnects and sends, before message 1, one 16-byte frame:
/// `mac(for: message1)`. The relay recomputes the cookie for the connection's address, checks the
/// MAC, and lets the handshake through within a per-address rate. The relay keeps no state for a
/// cookie it hands out.
public struct HandshakeCookie: Sendable, Equatable {
    /// Length of a cookie and of the MAC frame made with it.
    public static let length = 16
    /// Length of the relay's cookie secret.
    public static let secretLength = 32

    static let cookieLabel = Array("parlor/1 cookie".utf8)
    static let macLabel = Array("parlor/1 cookie mac".utf8)
    static let sealingLabel = Array("parlor/1 cookie key".utf8)

    /// The cookie itself: a MAC of the client's address that only the relay can make.
    public let bytes: [UInt8]

    /// The cookie the relay gives a client at `address` (its IP address bytes, 4 or 16) under `secret`.
    public init(secret: [UInt8], address: [UInt8]) {
        // Keyed BLAKE2b with a 32-byte key and a 16-byte output cannot fail.
        bytes = (try? BLAKE2b.hash(Self.cookieLabel + address, key: secret, outputLength: Self.length)) ?? []
    }

    /// Opens a cookie reply the relay sent in answer to `message1` (the client's, as sent).
    public init(reply: [UInt8], relayKey: [UInt8], message1: [UInt8]) throws(ParlorProtocolError) {
        let decoded = try CookieReply.decode(reply)
        let key = try Self.sealingKey(relayKey)
        do {
            bytes = try XChaCha20Poly1305.open(decoded.nonce + decoded.sealedCookie, key: key, ad: message1)
        } catch {
            throw ParlorProtocolError.crypto(error)
        }
        guard bytes.count == Self.length else { throw ParlorProtocolError.invalidLength(what: "cookie", got: bytes.count) }
    }

    /// The cookie reply frame body for a client's `message1`: `CookieReply` with receiver index 0.
    public func reply(relayKey: [UInt8], message1: [UInt8]) throws(ParlorProtocolError) -> [UInt8] {
        let key = try Self.sealingKey(relayKey)
        let sealed: [UInt8]
        do {
            sealed = try XChaCha20Poly1305.seal(bytes, key: key, ad: message1)
        } catch {
            throw ParlorProtocolError.crypto(error)
        }
        return try CookieReply(receiverIndex: 0, nonce: Array(sealed.prefix(CookieReply.nonceLength)),
                               sealedCookie: Array(sealed.dropFirst(CookieReply.nonceLength))).encoded
    }

    /// The 16-byte frame a client sends before `message1` on its retry.
    public func mac(for message1: [UInt8]) -> [UInt8] {
        (try? BLAKE2b.hash(Self.macLabel + message1, key: bytes, outputLength: Self.length)) ?? []
    }

    /// Whether `mac` is this cookie's MAC of `message1` (compared in constant time).
    public func verifies(_ mac: [UInt8], for message1: [UInt8]) -> Bool {
        let expected = self.mac(for: message1)
        guard mac.count == expected.count else { return false }
        return zip(mac, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The key cookies are sealed under: anyone who knows the relay's public key can derive it.
    static func sealingKey(_ relayKey: [UInt8]) throws(ParlorProtocolError) -> [UInt8] {
        do {
            return try BLAKE2b.hash(sealingLabel + relayKey, outputLength: XChaCha20Poly1305.keyLength)
        } catch {
            throw ParlorProtocolError.crypto(error)
        }
    }
}
