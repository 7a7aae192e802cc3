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

    /// Seals `payload` into `out` as a whole datagram (header, ciphertext, tag) without allocating;
    /// returns its length. `out` needs `MediaHeader.length + payload.count + 16` bytes.
    public mutating func seal(_ payload: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(ParlorProtocolError) -> Int {
        guard nextCounter != UInt64.max else { throw ParlorProtocolError.crypto(.nonceExhausted) }
        guard out.count >= MediaHeader.length else { throw ParlorProtocolError.invalidLength(what: "datagram buffer", got: out.count) }
        let counter = nextCounter
        nextCounter += 1
        // type(1) reserved(3) receiver_index(4, LE) counter(8, LE)
        out.storeBytes(of: UInt32(MediaHeader.Kind.media.rawValue).littleEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: receiverIndex.littleEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: counter.littleEndian, toByteOffset: 8, as: UInt64.self)
        let sealed = key.withUnsafeBytes { key in
            Result { () throws(CryptoError) -> Int in
                try ChaCha20Poly1305.seal(payload, key: key, counter: counter,
                                          ad: UnsafeRawBufferPointer(rebasing: out[0..<MediaHeader.length]),
                                          into: UnsafeMutableRawBufferPointer(rebasing: out[MediaHeader.length...]))
            }
        }
        switch sealed {
        case .success(let length): return MediaHeader.length + length
        case .failure(let error): throw ParlorProtocolError.crypto(error)
        }
    }
}
