import ParlorCrypto

/// Seals datagrams in one direction: the direction's key, the peer's receiver index and the
/// next counter. Nonce = 4 zero bytes ‖ counter (8, LE); associated data = the 16-byte header.
public struct MediaSender: Sendable {
    private let key: [UInt8]
    private let receiverIndex: UInt32
    /// The counter the next datagram uses.
    public private(set) var nextCounter: UInt64 = 0

    public init(key: [UInt8], peerReceiverIndex: UInt32) {
        _ = Sodium.initialize()
        self.key = key
        receiverIndex = peerReceiverIndex
    }

    /// Encrypts a payload (already padded for media) into a datagram.
    public mutating func seal(_ payload: [UInt8], kind: MediaHeader.Kind = .media) throws(ParlorProtocolError) -> [UInt8] {
        var datagram = [UInt8](repeating: 0, count: MediaHeader.length + payload.count + ChaCha20Poly1305.tagLength)
        let length = try payload.withUnsafeBytes { payload in
            datagram.withUnsafeMutableBytes { out in
                Result { () throws(ParlorProtocolError) -> Int in try seal(payload, kind: kind, into: out) }
            }
        }.get()
        return Array(datagram.prefix(length))
    }

    /// Seals `payload` into `out` as a whole datagram (header, ciphertext, tag) without allocating;
    /// returns its length. `out` needs `MediaHeader.length + payload.count + 16` bytes; the
    /// payload may already lie at `MediaHeader.length` in `out` (it is then sealed in place).
    public mutating func seal(_ payload: UnsafeRawBufferPointer, kind: MediaHeader.Kind = .media,
                              into out: UnsafeMutableRawBufferPointer) throws(ParlorProtocolError) -> Int {
        guard kind != .cookieReply else {
            throw ParlorProtocolError.invalidField(message: "datagram", field: "type", reason: "cookie replies are not sealed this way")
        }
        guard nextCounter != UInt64.max else { throw ParlorProtocolError.crypto(.nonceExhausted) }
        guard out.count >= MediaHeader.length else { throw ParlorProtocolError.invalidLength(what: "datagram buffer", got: out.count) }
        let counter = nextCounter
        nextCounter += 1
        MediaHeader(kind: kind, receiverIndex: receiverIndex, counter: counter).write(into: out)
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
