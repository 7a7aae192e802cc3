import ParlorCrypto

/// Seals datagrams in one direction: the direction's key, the peer's receiver index and the
/// next counter. Nonce = 4 zero bytes ‖ counter (8, LE); associated data = the 16-byte header.
public struct MediaSender: Sendable {
    private let key: [UInt8]
    private let receiverIndex: UInt32
    /// The counter the next datagram uses.
    public private(set) var nextCounter: UInt64 = 0

    public init(key: [UInt8], peerReceiverIndex: UInt32) {
        self.key = key
        receiverIndex = peerReceiverIndex
    }

    /// Encrypts a payload (already padded for media) into a datagram.
    public mutating func seal(_ payload: [UInt8], kind: MediaHeader.Kind = .media) throws(ParlorProtocolError) -> [UInt8] {
        guard kind != .cookieReply else {
            throw ParlorProtocolError.invalidField(message: "datagram", field: "type", reason: "cookie replies are not sealed this way")
        }
        guard nextCounter != UInt64.max else { throw ParlorProtocolError.crypto(.nonceExhausted) }
        let header = MediaHeader(kind: kind, receiverIndex: receiverIndex, counter: nextCounter)
        nextCounter += 1
        do {
            let ciphertext = try ChaCha20Poly1305.seal(payload, key: key, nonce: ChaCha20Poly1305.counterNonce(header.counter), ad: header.encoded)
            return header.encoded + ciphertext
        } catch {
            throw ParlorProtocolError.crypto(error)
        }
    }
}
