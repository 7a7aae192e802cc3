import ParlorCrypto

/// A media or keepalive datagram as it travels over UDP: `MediaHeader ‖ ciphertext ‖ tag`.
/// Decoding checks only the framing; `MediaReceiver` authenticates and decrypts.
public struct MediaDatagram: Sendable, Equatable {
    /// The largest datagram Parlor sends or accepts (an Ethernet MTU minus IPv6 and UDP headers).
    public static let maximumLength = 1452

    public var header: MediaHeader
    public var ciphertext: [UInt8]

    public init(header: MediaHeader, ciphertext: [UInt8]) {
        self.header = header
        self.ciphertext = ciphertext
    }

    public var encoded: [UInt8] { header.encoded + ciphertext }

    /// Parses a media (1) or keepalive (2) datagram; a cookie reply is `CookieReply.decode`.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ParlorProtocolError) -> MediaDatagram {
        guard bytes.count <= maximumLength else { throw ParlorProtocolError.invalidLength(what: "datagram", got: bytes.count) }
        var reader = ByteReader(bytes)
        let (kind, index) = try MediaHeader.decodePrefix(&reader)
        guard kind != .cookieReply else {
            throw ParlorProtocolError.invalidField(message: "datagram", field: "type", reason: "a cookie reply has no counter")
        }
        let counter = try reader.littleEndian(8, "datagram counter")
        guard reader.remaining >= ChaCha20Poly1305.tagLength else {
            throw ParlorProtocolError.truncated("datagram ciphertext shorter than its tag")
        }
        return MediaDatagram(header: MediaHeader(kind: kind, receiverIndex: index, counter: counter), ciphertext: reader.rest())
    }
}
