/// The handshake of `Noise_NK_25519_ChaChaPoly_BLAKE2b` (Noise specification §7.4, pattern NK):
///
///     NK:
///       <- s
///       ...
///       -> e, es
///       <- e, ee
///
/// The client (initiator) knows the relay's static key from the invite link and stays anonymous.
/// Each side calls `writeMessage`/`readMessage` in turn, then `split()`.
public struct NoiseHandshake: Sendable {
    /// The protocol name hashed into the initial state.
    public static let protocolName = "Noise_NK_25519_ChaChaPoly_BLAKE2b"
    /// Parlor's prologue, mixed into the handshake hash by both sides.
    public static let parlorPrologue = Array("parlor/1".utf8)
    /// Bytes a handshake message adds to its payload: an ephemeral key and a tag.
    public static let messageOverhead = X25519KeyPair.keyLength + ChaCha20Poly1305.tagLength

    /// Which side of the pattern this is.
    public enum Role: Sendable { case initiator, responder }

    public let role: Role
    private var symmetric: NoiseSymmetricState
    private let localStatic: X25519KeyPair?
    private let remoteStatic: [UInt8]
    private var localEphemeral: X25519KeyPair
    private var remoteEphemeral: [UInt8] = []
    /// How many of the pattern's two messages have been processed.
    private var step = 0

    /// The client side: it pins the relay's static public key.
    public init(initiatorPinning relayStaticKey: [UInt8], prologue: [UInt8] = parlorPrologue) throws(CryptoError) {
        try self.init(role: .initiator, localStatic: nil, remoteStatic: relayStaticKey, prologue: prologue,
                      ephemeral: X25519KeyPair.generate())
    }

    /// The relay side, with its static key pair.
    public init(responderWith staticKey: X25519KeyPair, prologue: [UInt8] = parlorPrologue) throws(CryptoError) {
        try self.init(role: .responder, localStatic: staticKey, remoteStatic: staticKey.publicKey, prologue: prologue,
                      ephemeral: X25519KeyPair.generate())
    }

    /// Initialize(): prologue, then the pre-message `<- s` (the responder's static key).
    /// Tests pass a fixed ephemeral to reproduce published vectors.
    init(role: Role, localStatic: X25519KeyPair?, remoteStatic: [UInt8], prologue: [UInt8], ephemeral: X25519KeyPair) throws(CryptoError) {
        guard remoteStatic.count == X25519KeyPair.keyLength else {
            throw CryptoError.invalidLength(what: "relay static key", expected: X25519KeyPair.keyLength, got: remoteStatic.count)
        }
        self.role = role
        self.localStatic = localStatic
        self.remoteStatic = remoteStatic
        self.localEphemeral = ephemeral
        symmetric = NoiseSymmetricState(protocolName: Self.protocolName)
        symmetric.mixHash(prologue)
        symmetric.mixHash(remoteStatic)
    }

    /// Whether both handshake messages have been processed.
    public var isComplete: Bool { step == 2 }

    /// The handshake hash so far.
    public var handshakeHash: [UInt8] { symmetric.handshakeHash }

    /// Writes the next message (`-> e, es` for the initiator, `<- e, ee` for the responder).
    public mutating func writeMessage(payload: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        let mine = (role == .initiator && step == 0) || (role == .responder && step == 1)
        guard mine else { throw CryptoError.handshakeOutOfOrder("it is not this side's turn to write") }
        let maximum = NoiseTransport.maximumMessageLength - Self.messageOverhead
        guard payload.count <= maximum else { throw CryptoError.messageTooLong(length: payload.count, maximum: maximum) }
        var message = localEphemeral.publicKey
        symmetric.mixHash(localEphemeral.publicKey)
        if step == 0 {
            try symmetric.mixKey(localEphemeral.sharedSecret(with: remoteStatic))       // es
        } else {
            try symmetric.mixKey(localEphemeral.sharedSecret(with: remoteEphemeral))    // ee
        }
        message += try symmetric.encryptAndHash(payload)
        step += 1
        return message
    }

    /// Reads the peer's next message and returns its payload. A message that fails leaves the
    /// handshake unusable; start a new one.
    public mutating func readMessage(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        let theirs = (role == .responder && step == 0) || (role == .initiator && step == 1)
        guard theirs else { throw CryptoError.handshakeOutOfOrder("it is not the peer's turn to write") }
        guard message.count >= Self.messageOverhead else {
            throw CryptoError.invalidLength(what: "handshake message", expected: Self.messageOverhead, got: message.count)
        }
        guard message.count <= NoiseTransport.maximumMessageLength else {
            throw CryptoError.messageTooLong(length: message.count, maximum: NoiseTransport.maximumMessageLength)
        }
        remoteEphemeral = Array(message.prefix(X25519KeyPair.keyLength))
        symmetric.mixHash(remoteEphemeral)
        if step == 0 {
            guard let localStatic else { throw CryptoError.handshakeOutOfOrder("responder has no static key") }
            try symmetric.mixKey(localStatic.sharedSecret(with: remoteEphemeral))      // es
        } else {
            try symmetric.mixKey(localEphemeral.sharedSecret(with: remoteEphemeral))    // ee
        }
        let payload = try symmetric.decryptAndHash(Array(message.dropFirst(X25519KeyPair.keyLength)))
        step += 1
        return payload
    }

    /// Split(): the transport for this side, once both messages are done.
    public func split() throws(CryptoError) -> NoiseTransport {
        guard isComplete else { throw CryptoError.handshakeOutOfOrder("the handshake is not complete") }
        let (initiatorToResponder, responderToInitiator) = try symmetric.split()
        let isClient = role == .initiator
        return NoiseTransport(
            sender: isClient ? initiatorToResponder : responderToInitiator,
            receiver: isClient ? responderToInitiator : initiatorToResponder,
            handshakeHash: symmetric.handshakeHash,
            mediaKeys: try MediaKeys(chainingKey: symmetric.chainingKey, isClient: isClient))
    }
}
