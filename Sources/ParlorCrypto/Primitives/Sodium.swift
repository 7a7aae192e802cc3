import CSodium

/// The libsodium library as a whole: initialisation and what it reports about itself.
public enum Sodium {
    /// Calls `sodium_init()` once. Every type in ParlorCrypto calls this before its first use;
    /// libsodium documents the call as idempotent and thread-safe.
    @discardableResult
    public static func initialize() -> Bool {
        sodium_init() >= 0
    }

    /// The version string of the libsodium that is loaded, e.g. "1.0.18".
    public static var version: String {
        String(cString: sodium_version_string())
    }

    /// Whether this CPU has the AES-NI and CLMUL instructions that libsodium's AES-256-GCM needs.
    public static var hasHardwareAES256GCM: Bool {
        initialize()
        return crypto_aead_aes256gcm_is_available() == 1
    }
}
