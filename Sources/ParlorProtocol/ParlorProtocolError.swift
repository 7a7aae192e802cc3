import ParlorCrypto

/// Why bytes from the wire (or a link) were rejected. Every decoder throws this; nothing traps.
public enum ParlorProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before a field did.
    case truncated(String)
    /// A length or size that the format does not allow.
    case invalidLength(what: String, got: Int)
    /// A version this build does not speak.
    case unsupportedVersion(UInt8)
    /// A control message type this build does not know (the receiver may ignore it).
    case unknownMessageType(UInt8)
    /// A required field is absent from a control message.
    case missingField(message: String, field: String)
    /// A field appears twice where the format allows it once.
    case duplicateField(message: String, tag: UInt8)
    /// A field's value is malformed (wrong length, out of range, not UTF-8, …).
    case invalidField(message: String, field: String, reason: String)
    /// A varint longer than 10 bytes or larger than 2^64-1.
    case invalidVarint
    /// Padding is not a bucket size or not zeros.
    case invalidPadding(String)
    /// A datagram type this build does not know.
    case unknownDatagramType(UInt8)
    /// The reserved bytes of a datagram header are not zero.
    case reservedBitsSet
    /// An invite link is malformed; the text says what is wrong.
    case invalidLink(String)
    /// A cryptographic check failed underneath.
    case crypto(CryptoError)

    public var description: String {
        switch self {
        case let .truncated(what): "truncated: \(what)"
        case let .invalidLength(what, got): "invalid length for \(what): \(got)"
        case let .unsupportedVersion(version): "unsupported protocol version \(version)"
        case let .unknownMessageType(type): "unknown control message type \(type)"
        case let .missingField(message, field): "\(message): missing required field \(field)"
        case let .duplicateField(message, tag): "\(message): field tag \(tag) appears twice"
        case let .invalidField(message, field, reason): "\(message).\(field): \(reason)"
        case .invalidVarint: "invalid varint"
        case let .invalidPadding(what): "invalid padding: \(what)"
        case let .unknownDatagramType(type): "unknown datagram type \(type)"
        case .reservedBitsSet: "reserved header bytes are not zero"
        case let .invalidLink(what): "invalid invite link: \(what)"
        case let .crypto(error): error.description
        }
    }
}
