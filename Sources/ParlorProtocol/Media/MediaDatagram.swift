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
        let bytes = Array(bytes)
        let header = try bytes.withUnsafeBytes { bytes in Result { () throws(ParlorProtocolError) in try checkFraming(bytes) } }.get()
        return MediaDatagram(header: header, ciphertext: Array(bytes[MediaHeader.length...]))
    }

    /// Checks a datagram's framing where it lies (its size, header and room for a tag) and
    /// returns its header; the ciphertext is everything after the header. Allocates nothing.
    public static func checkFraming(_ bytes: UnsafeRawBufferPointer) throws(ParlorProtocolError) -> MediaHeader {
        guard bytes.count <= maximumLength else { throw ParlorProtocolError.invalidLength(what: "datagram", got: bytes.count) }
        let header = try MediaHeader.decode(bytes)
        guard bytes.count - MediaHeader.length >= ChaCha20Poly1305.tagLength else {
            throw ParlorProtocolError.truncated("datagram ciphertext shorter than its tag")
        }
        return header
    }
}
