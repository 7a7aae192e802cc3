import ParlorCrypto

/// Opens datagrams in one direction: checks the receiver index, refuses replays (an 8192-counter
/// window), authenticates, and only then records the counter.
public struct MediaReceiver: Sendable {
    private let key: [UInt8]
    /// The index this side announced in `media_setup`.
    public let receiverIndex: UInt32
    private var window = ReplayWindow()

    /// A receiver for `key`, with a fresh random receiver index unless one is given.
    public init(key: [UInt8], receiverIndex: UInt32 = MediaReceiver.randomIndex()) {
        self.key = key
        self.receiverIndex = receiverIndex
    }

    /// A random receiver index: no stable identifier appears on the wire.
    public static func randomIndex() -> UInt32 {
        SecureRandom.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Decodes, checks and decrypts a datagram; returns its kind and plaintext payload.
    public mutating func open(_ bytes: some Collection<UInt8>) throws(ParlorProtocolError) -> (kind: MediaHeader.Kind, payload: [UInt8]) {
        let datagram = try MediaDatagram.decode(bytes)
        guard datagram.header.receiverIndex == receiverIndex else {
            throw ParlorProtocolError.invalidField(message: "datagram", field: "receiver_index",
                                                   reason: "\(datagram.header.receiverIndex) is not this session's")
        }
        let counter = datagram.header.counter
        guard window.isFresh(counter) else { throw ParlorProtocolError.crypto(.replayed(counter: counter)) }
        let payload: [UInt8]
        do {
            payload = try ChaCha20Poly1305.open(datagram.ciphertext, key: key, nonce: ChaCha20Poly1305.counterNonce(counter),
                                                ad: datagram.header.encoded)
        } catch {
            throw ParlorProtocolError.crypto(error)
        }
        _ = window.accept(counter)
        return (datagram.header.kind, payload)
    }
}
