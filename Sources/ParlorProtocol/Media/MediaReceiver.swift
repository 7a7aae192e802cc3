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
        _ = Sodium.initialize()
        self.key = key
        self.receiverIndex = receiverIndex
    }

    /// A random receiver index: no stable identifier appears on the wire.
    public static func randomIndex() -> UInt32 {
        SecureRandom.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Decodes, checks and decrypts a datagram; returns its kind and plaintext payload.
    public mutating func open(_ bytes: some Collection<UInt8>) throws(ParlorProtocolError) -> (kind: MediaHeader.Kind, payload: [UInt8]) {
        var datagram = Array(bytes)
        let (kind, payload) = try datagram.withUnsafeMutableBytes { datagram in
            Result { () throws(ParlorProtocolError) in try open(in: datagram) }
        }.get()
        return (kind, Array(datagram[payload]))
    }

    /// Checks and decrypts a datagram where it lies; returns its kind and where in `datagram`
    /// the plaintext payload now is. Allocates nothing: the media path's receive side. On
    /// failure nothing is recorded.
    public mutating func open(in datagram: UnsafeMutableRawBufferPointer) throws(ParlorProtocolError) -> (kind: MediaHeader.Kind, payload: Range<Int>) {
        let header = try MediaDatagram.checkFraming(UnsafeRawBufferPointer(datagram))
        guard header.receiverIndex == receiverIndex else {
            throw ParlorProtocolError.invalidField(message: "datagram", field: "receiver_index",
                                                   reason: "\(header.receiverIndex) is not this session's")
        }
        guard window.isFresh(header.counter) else { throw ParlorProtocolError.crypto(.replayed(counter: header.counter)) }
        let opened = key.withUnsafeBytes { key in
            Result { () throws(CryptoError) -> Int in
                try ChaCha20Poly1305.open(inPlace: UnsafeMutableRawBufferPointer(rebasing: datagram[MediaHeader.length...]), key: key,
                                          counter: header.counter, ad: UnsafeRawBufferPointer(rebasing: datagram[..<MediaHeader.length]))
            }
        }
        let length: Int
        switch opened {
        case .success(let n): length = n
        case .failure(let error): throw ParlorProtocolError.crypto(error)
        }
        _ = window.accept(header.counter)
        return (header.kind, MediaHeader.length ..< MediaHeader.length + length)
    }
}
