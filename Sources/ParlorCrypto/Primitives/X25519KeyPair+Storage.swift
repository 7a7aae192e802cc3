extension X25519KeyPair {
    /// The private key, for a key file that keeps a long-term key (the relay's). Handle with care.
    public var privateKeyForStorage: [UInt8] { privateKey }
}
