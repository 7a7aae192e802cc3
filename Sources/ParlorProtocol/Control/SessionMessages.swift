/// Liveness check; the peer answers with a `Pong` carrying the same nonce.
public struct Ping: TLVRecord {
    public var nonce: UInt64
    public init(nonce: UInt64) { self.nonce = nonce }
    public init(fields: TLVFields) throws(ParlorProtocolError) { nonce = try fields.integer(1, "nonce") }
    public func write(to writer: inout TLVWriter) { writer.integer(1, nonce) }
}

/// The answer to a `Ping`.
public struct Pong: TLVRecord {
    public var nonce: UInt64
    public init(nonce: UInt64) { self.nonce = nonce }
    public init(fields: TLVFields) throws(ParlorProtocolError) { nonce = try fields.integer(1, "nonce") }
    public func write(to writer: inout TLVWriter) { writer.integer(1, nonce) }
}

/// A refusal or failure, with a stable code and a human text.
public struct ErrorMessage: TLVRecord {
    /// The codes of docs/PROTOCOL.md §4.3.
    public enum Code: UInt64, Error, Sendable, CaseIterable {
        case malformedMessage = 1
        case unsupportedVersion = 2
        case noSuchRoom = 3
        case roomExists = 4
        case badProof = 5
        case badGrant = 6
        case notAllowed = 7
        case banned = 8
        case roomFull = 9
        case rateLimited = 10
        case internalError = 11
        case unknownMessage = 12
        case tooManyRooms = 13
        case stageFull = 14
        case notInARoom = 15
        case alreadyInARoom = 16
        case noSuchMember = 17
        case grantRevoked = 18
        case slotsExhausted = 19
        case mediaNotSetUp = 20
        case linkRevoked = 21

        /// The code's name in docs/PROTOCOL.md §4.6, as clients report it (`"stage_full"`).
        public var name: String {
            switch self {
            case .malformedMessage: "malformed"
            case .unsupportedVersion: "unsupported_version"
            case .noSuchRoom: "no_such_room"
            case .roomExists: "room_exists"
            case .badProof: "bad_proof"
            case .badGrant: "bad_grant"
            case .notAllowed: "not_allowed"
            case .banned: "banned"
            case .roomFull: "room_full"
            case .rateLimited: "rate_limited"
            case .internalError: "internal"
            case .unknownMessage: "unknown_message"
            case .tooManyRooms: "too_many_rooms"
            case .stageFull: "stage_full"
            case .notInARoom: "not_in_a_room"
            case .alreadyInARoom: "already_in_a_room"
            case .noSuchMember: "no_such_member"
            case .grantRevoked: "grant_revoked"
            case .slotsExhausted: "slots_exhausted"
            case .mediaNotSetUp: "media_not_set_up"
            case .linkRevoked: "link_revoked"
            }
        }

        /// The name of any code, known or not (`"error_42"` for codes newer than this client).
        public static func name(of code: UInt64) -> String {
            Code(rawValue: code)?.name ?? "error_\(code)"
        }
    }

    public var code: UInt64
    public var text: String
    /// The type number of the message this answers, if any (as sent: possibly a type this
    /// client does not know).
    public var inReplyTo: UInt8?

    /// The type of the message this answers, when it is one this client knows.
    public var inReplyToType: ControlMessageType? { inReplyTo.flatMap(ControlMessageType.init(rawValue:)) }

    /// An error with one of the defined codes (receivers also accept codes they do not know).
    public init(_ code: Code, text: String, inReplyTo: UInt8? = nil) {
        self.init(code: code.rawValue, text: text, inReplyTo: inReplyTo)
    }

    public init(code: UInt64, text: String, inReplyTo: UInt8? = nil) {
        self.code = code
        self.text = text
        self.inReplyTo = inReplyTo
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        code = try fields.integer(1, "code")
        text = try fields.optionalText(2, "text") ?? ""
        inReplyTo = try fields.optionalInteger(3, "in_reply_to", maximum: UInt64(UInt8.max)).map { UInt8($0) }
    }

    public func write(to writer: inout TLVWriter) {
        writer.integer(1, code)
        writer.optionalText(2, text)
        writer.optionalInteger(3, inReplyTo.map { UInt64($0) })
    }
}

/// The relay is shutting down; clients may reconnect after `retryAfterSeconds`.
public struct ServerClosing: TLVRecord {
    public var reason: String?
    public var retryAfterSeconds: UInt64?

    public init(reason: String? = nil, retryAfterSeconds: UInt64? = nil) {
        self.reason = reason
        self.retryAfterSeconds = retryAfterSeconds
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        reason = try fields.optionalText(1, "reason")
        retryAfterSeconds = try fields.optionalInteger(2, "retry_after_seconds")
    }

    public func write(to writer: inout TLVWriter) {
        writer.optionalText(1, reason)
        writer.optionalInteger(2, retryAfterSeconds)
    }
}

/// A message with no fields (leave, hand raise, directory request).
public struct EmptyBody: TLVRecord {
    public init() {}
    public init(fields: TLVFields) throws(ParlorProtocolError) {}
    public func write(to writer: inout TLVWriter) {}
}
