/// A relay's public key as people copy it: 43 characters of unpadded base64url (RFC 4648 §5), the
/// same alphabet invite links use. `parlor serve` prints it; `parlor host --relay-key` reads it.
public enum RelayKeyText {
    public static func encode(_ key: [UInt8]) -> String { Base64URL.encode(key) }

    public static func decode(_ text: String) throws(ParlorProtocolError) -> [UInt8] {
        let bytes = try Base64URL.decode(Substring(text)).get()
        guard bytes.count == 32 else { throw ParlorProtocolError.invalidLength(what: "relay key", got: bytes.count) }
        return bytes
    }
}

extension RelayAddress {
    /// Parses `HOST:PORT` (`[IPv6]:PORT` for IPv6), as `--listen` and `--server` take it.
    public init(parsing text: String) throws(ParlorProtocolError) {
        self = try RelayAddress.parse(Substring(text))
    }
}
