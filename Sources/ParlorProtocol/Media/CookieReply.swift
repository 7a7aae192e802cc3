/// A cookie reply (type 3), in WireGuard's shape:
/// `type(1)=3 reserved(3) ‖ receiver_index(4, LE) ‖ nonce(24) ‖ cookie(16) ‖ tag(16)`.
/// The cookie is XChaCha20-Poly1305-sealed. The relay sends it on the control channel, with
/// receiver index 0, in answer to a handshake it will not do while under load (`HandshakeCookie`,
/// docs/PROTOCOL.md §2); as a UDP datagram type it is reserved.
public struct CookieReply: Sendable, Equatable {
    public static let nonceLength = 24
    public static let sealedCookieLength = 32
    public static let length = 8 + nonceLength + sealedCookieLength

    public var receiverIndex: UInt32
    public var nonce: [UInt8]
    public var sealedCookie: [UInt8]

    public init(receiverIndex: UInt32, nonce: [UInt8], sealedCookie: [UInt8]) throws(ParlorProtocolError) {
        guard nonce.count == Self.nonceLength else { throw ParlorProtocolError.invalidLength(what: "cookie nonce", got: nonce.count) }
        guard sealedCookie.count == Self.sealedCookieLength else {
            throw ParlorProtocolError.invalidLength(what: "sealed cookie", got: sealedCookie.count)
        }
        self.receiverIndex = receiverIndex
        self.nonce = nonce
        self.sealedCookie = sealedCookie
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter()
        writer.append([MediaHeader.Kind.cookieReply.rawValue, 0, 0, 0])
        writer.littleEndian(UInt64(receiverIndex), width: 4)
        writer.append(nonce + sealedCookie)
        return writer.bytes
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(ParlorProtocolError) -> CookieReply {
        guard bytes.count == length else { throw ParlorProtocolError.invalidLength(what: "cookie reply", got: bytes.count) }
        var reader = ByteReader(bytes)
        let (kind, index) = try MediaHeader.decodePrefix(&reader)
        guard kind == .cookieReply else {
            throw ParlorProtocolError.invalidField(message: "cookie reply", field: "type", reason: "type \(kind.rawValue) is not 3")
        }
        return try CookieReply(receiverIndex: index, nonce: try reader.bytes(nonceLength, "cookie nonce"),
                               sealedCookie: try reader.bytes(sealedCookieLength, "sealed cookie"))
    }
}
