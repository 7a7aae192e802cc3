/// What can go wrong in ParlorCrypto. Every failure is a value; nothing traps on bad input.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key, nonce or other fixed-size input had the wrong length.
    case invalidLength(what: String, expected: Int, got: Int)
    /// Authentication failed: the ciphertext, its tag or its associated data was altered,
    /// or the wrong key was used.
    case authenticationFailed
    /// The requested primitive is not available on this CPU (AES-256-GCM without AES-NI).
    case unavailable(String)
    /// libsodium could not be initialised.
    case libraryUnavailable
    /// A Diffie-Hellman public key was a low-order point (the shared secret would be all zeros).
    case weakPublicKey
    /// An HKDF output longer than 255 hash lengths was asked for (RFC 5869 §2.3).
    case outputTooLong(requested: Int, maximum: Int)
    /// A Noise handshake method was called out of the pattern's order.
    case handshakeOutOfOrder(String)
    /// A Noise message would exceed 65535 bytes (Noise specification §3).
    case messageTooLong(length: Int, maximum: Int)
    /// A cipher state used all its nonces (Noise §5.1 reserves 2^64-1); the session must end.
    case nonceExhausted
    /// A counter was already seen or is older than the replay window.
    case replayed(counter: UInt64)
    /// An SFrame counter at or above `SFrameContext.counterLimit`: no sender reaches it, so the
    /// frame is malformed (and would bring arithmetic near 2^64 to the receiver).
    case counterOutOfRange(UInt64)
    /// An SFrame header or ciphertext could not be parsed.
    case malformedSFrame(String)
    /// No key is installed for this SFrame key id.
    case unknownKeyID(UInt64)
    /// The SFrame cipher suite number is not one Parlor implements.
    case unknownSuite(UInt16)
    /// A grant's signature does not verify under the signer's key.
    case badSignature
    /// A grant names a different room.
    case grantForAnotherRoom
    /// A grant's expiry is in the past.
    case grantExpired(expiry: UInt64, now: UInt64)
    /// A role number that Parlor does not define.
    case unknownRole(UInt8)
    /// A member credential that admits nobody: no link, a revoked link, or a link above its role.
    case notAdmitted(String)
    /// An epoch statement that does not come from the room's authority or breaks the epoch rules.
    case badEpochStatement(String)

    public var description: String {
        switch self {
        case let .invalidLength(what, expected, got): "\(what) must be \(expected) bytes, got \(got)"
        case .authenticationFailed: "authentication failed: the data was altered or the key is wrong"
        case let .unavailable(what): "\(what) is not available on this CPU"
        case .libraryUnavailable: "libsodium could not be initialised"
        case .weakPublicKey: "the peer's public key is a low-order point"
        case let .outputTooLong(requested, maximum): "HKDF output of \(requested) bytes exceeds \(maximum)"
        case let .handshakeOutOfOrder(what): "handshake out of order: \(what)"
        case let .messageTooLong(length, maximum): "message of \(length) bytes exceeds \(maximum)"
        case .nonceExhausted: "the cipher state used all its nonces"
        case let .replayed(counter): "counter \(counter) was already seen or is too old"
        case let .counterOutOfRange(counter): "SFrame counter \(counter) is not below 2^62"
        case let .malformedSFrame(what): "malformed SFrame: \(what)"
        case let .unknownKeyID(kid): "no key for SFrame key id \(kid)"
        case let .unknownSuite(suite): "unknown cipher suite 0x\(String(suite, radix: 16))"
        case .badSignature: "the signature does not verify"
        case .grantForAnotherRoom: "the grant is for another room"
        case let .grantExpired(expiry, now): "the grant expired at \(expiry) (now \(now))"
        case let .unknownRole(role): "unknown role \(role)"
        case let .notAdmitted(why): "not admitted: \(why)"
        case let .badEpochStatement(why): "epoch statement refused: \(why)"
        }
    }
}
