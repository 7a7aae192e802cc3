import ParlorCrypto
import ParlorProtocol

/// Decides, before any Diffie-Hellman work, whether a new control connection's handshake goes
/// ahead: the relay's side of the cookie reply (`HandshakeCookie`, docs/PROTOCOL.md §2).
///
/// Within `handshakes_per_second` (all clients together) every handshake goes ahead. Above it, a
/// handshake goes ahead only with a valid cookie MAC for the connection's address, and within
/// `address_handshakes_per_second` for that address; any other is answered with a cookie.
/// So a flood of connections costs the relay a MAC and a seal each, and a client from an address
/// that is not flooding still gets in on its second try. Confined to the relay's event loop.
final class HandshakeGate {
    /// What to do with a handshake.
    enum Admission: Equatable {
        case proceed
        /// Answer with this cookie reply (frame body) and close.
        case cookie([UInt8])
        /// Close without answering: the address is over its own rate.
        case refuse
    }

    /// How long a cookie secret is used; cookies made under the one before stay valid as long again.
    static let secretLifetime: UInt64 = 120_000_000_000
    /// Addresses whose rate is tracked at once; the table starts again when it is full.
    static let maximumTrackedAddresses = 65_536

    private let relayKey: [UInt8]
    private let limits: RelayLimits
    private let metrics: RelayMetrics
    private var handshakes: TokenBucket
    private var secret: [UInt8]
    private var previousSecret: [UInt8]
    private var secretMade: UInt64
    private var addresses: [[UInt8]: TokenBucket] = [:]

    init(relayKey: [UInt8], limits: RelayLimits, metrics: RelayMetrics, now: UInt64) {
        self.relayKey = relayKey
        self.limits = limits
        self.metrics = metrics
        handshakes = TokenBucket(rate: limits.handshakesPerSecond, burst: limits.handshakesPerSecond, now: now)
        secret = SecureRandom.bytes(HandshakeCookie.secretLength)
        previousSecret = SecureRandom.bytes(HandshakeCookie.secretLength)
        secretMade = now
    }

    /// The decision for `message1` from a client at `address` (IP address bytes), with the cookie
    /// MAC frame it sent first, if any.
    func admit(message1: [UInt8], mac: [UInt8]?, from address: [UInt8], now: UInt64) -> Admission {
        if handshakes.take(now: now) { return .proceed }
        rotate(now: now)
        if let mac {
            let valid = [secret, previousSecret].contains { HandshakeCookie(secret: $0, address: address).verifies(mac, for: message1) }
            if valid {
                return takeAddressToken(address, now: now) ? .proceed : .refuse
            }
            metrics.dropped(.unauthenticated)
        }
        guard let reply = try? HandshakeCookie(secret: secret, address: address).reply(relayKey: relayKey, message1: message1) else {
            return .refuse
        }
        metrics.add(.cookieReplies)
        return .cookie(reply)
    }

    private func rotate(now: UInt64) {
        let age = now &- secretMade
        guard age >= Self.secretLifetime else { return }
        // After a long quiet spell the current secret is too old to honour as the previous one.
        previousSecret = age >= 2 * Self.secretLifetime ? SecureRandom.bytes(HandshakeCookie.secretLength) : secret
        secret = SecureRandom.bytes(HandshakeCookie.secretLength)
        secretMade = now
    }

    private func takeAddressToken(_ address: [UInt8], now: UInt64) -> Bool {
        if addresses[address] == nil, addresses.count >= Self.maximumTrackedAddresses { addresses.removeAll() }
        var bucket = addresses[address]
            ?? TokenBucket(rate: limits.addressHandshakesPerSecond, burst: limits.addressHandshakesPerSecond, now: now)
        let taken = bucket.take(now: now)
        addresses[address] = bucket
        return taken
    }
}
