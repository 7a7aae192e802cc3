/// What can go wrong in ParlorCrypto. Every failure is a value; nothing traps on bad input.
public enum CryptoError: Error, Equatable, Sendable {
    /// A key, nonce or other fixed-size input had the wrong length.
    case invalidLength(what: String, expected: Int, got: Int)
    /// Authentication failed: the ciphertext, its tag or its associated data was altered,
    /// or the wrong key was used.
    case authenticationFailed
    /// The requested primitive is not available on this CPU (AES-256-GCM without AES-NI).
    case unavailable(String)
    /// libsodium could not be initialised.
    case libraryUnavailable
}
