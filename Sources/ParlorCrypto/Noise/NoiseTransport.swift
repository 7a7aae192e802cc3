/// The two cipher states a completed Noise handshake splits into, plus what the session binds
/// to: the handshake hash (channel binding) and Parlor's media keys.
public struct NoiseTransport: Sendable {
    /// Noise §3: no message is longer than 65535 bytes.
    public static let maximumMessageLength = 65535

    private var sender: NoiseCipherState
    private var receiver: NoiseCipherState
    /// The final handshake hash `h`; a join signs it to prove key possession in this session.
    public let handshakeHash: [UInt8]
    /// This side's media keys (derived from the final chaining key, docs/PROTOCOL.md §Media keys).
    public let mediaKeys: MediaKeys

    init(sender: NoiseCipherState, receiver: NoiseCipherState, handshakeHash: [UInt8], mediaKeys: MediaKeys) {
        self.sender = sender
        self.receiver = receiver
        self.handshakeHash = handshakeHash
        self.mediaKeys = mediaKeys
    }

    /// Encrypts one transport message (empty associated data).
    public mutating func encrypt(_ plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        let maximum = Self.maximumMessageLength - ChaCha20Poly1305.tagLength
        guard plaintext.count <= maximum else { throw CryptoError.messageTooLong(length: plaintext.count, maximum: maximum) }
        return try sender.encrypt(plaintext, ad: [])
    }

    /// Decrypts one transport message; a failure leaves the state unchanged.
    public mutating func decrypt(_ ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard ciphertext.count <= Self.maximumMessageLength else {
            throw CryptoError.messageTooLong(length: ciphertext.count, maximum: Self.maximumMessageLength)
        }
        return try receiver.decrypt(ciphertext, ad: [])
    }
}
