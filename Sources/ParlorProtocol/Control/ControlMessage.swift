/// Every control message of protocol version 1. On the wire: `version(1) type(1)` then the
/// body's TLV fields (docs/PROTOCOL.md §Control messages has the type and tag tables).
public enum ControlMessage: Sendable, Equatable {
    case ping(Ping)                         // 1
    case pong(Pong)                         // 2
    case error(ErrorMessage)                // 3
    case serverClosing(ServerClosing)       // 4
    case createRoom(CreateRoom)             // 10
    case join(Join)                         // 11
    case joined(Joined)                     // 12
    case leave                              // 13
    case memberJoined(MemberJoined)         // 14
    case memberLeft(MemberLeft)             // 15
    case profileSet(Profile)                // 20
    case profileDelivery(Profile)           // 21
    case grantPresent(GrantPresent)         // 22
    case roleChanged(RoleChanged)           // 23
    case handRaise                          // 24
    case handLower(HandLower)               // 25
    case handUpdate(HandUpdate)             // 26
    case moderation(Moderation)             // 27
    case keyDelivery(KeyDelivery)           // 28
    case mediaSetup(MediaSetup)             // 29
    case mediaOverTCP(MediaOverTCP)         // 30
    case directoryRequest                   // 31
    case directoryListing(DirectoryListing) // 32
    case blobSend(BlobSend)                 // 33
    case blobDelivery(BlobDelivery)         // 34
    case charterUpdate(CharterUpdate)       // 35

    /// The message type byte.
    public var type: UInt8 {
        switch self {
        case .ping: 1
        case .pong: 2
        case .error: 3
        case .serverClosing: 4
        case .createRoom: 10
        case .join: 11
        case .joined: 12
        case .leave: 13
        case .memberJoined: 14
        case .memberLeft: 15
        case .profileSet: 20
        case .profileDelivery: 21
        case .grantPresent: 22
        case .roleChanged: 23
        case .handRaise: 24
        case .handLower: 25
        case .handUpdate: 26
        case .moderation: 27
        case .keyDelivery: 28
        case .mediaSetup: 29
        case .mediaOverTCP: 30
        case .directoryRequest: 31
        case .directoryListing: 32
        case .blobSend: 33
        case .blobDelivery: 34
        case .charterUpdate: 35
        }
    }

    /// The names PROTOCOL.md uses, by type; errors quote them.
    public static let names: [UInt8: String] = [
        1: "ping", 2: "pong", 3: "error", 4: "server_closing",
        10: "create_room", 11: "join", 12: "joined", 13: "leave", 14: "member_joined", 15: "member_left",
        20: "profile_set", 21: "profile_delivery", 22: "grant_present", 23: "role_changed",
        24: "hand_raise", 25: "hand_lower", 26: "hand_update", 27: "moderation", 28: "key_delivery",
        29: "media_setup", 30: "media_over_tcp", 31: "directory_request", 32: "directory_listing",
        33: "blob_send", 34: "blob_delivery", 35: "charter_update",
    ]

    private var body: any TLVRecord {
        switch self {
        case let .ping(body): body
        case let .pong(body): body
        case let .error(body): body
        case let .serverClosing(body): body
        case let .createRoom(body): body
        case let .join(body): body
        case let .joined(body): body
        case .leave, .handRaise, .directoryRequest: EmptyBody()
        case let .memberJoined(body): body
        case let .memberLeft(body): body
        case let .profileSet(body), let .profileDelivery(body): body
        case let .grantPresent(body): body
        case let .roleChanged(body): body
        case let .handLower(body): body
        case let .handUpdate(body): body
        case let .moderation(body): body
        case let .keyDelivery(body): body
        case let .mediaSetup(body): body
        case let .mediaOverTCP(body): body
        case let .directoryListing(body): body
        case let .blobSend(body): body
        case let .blobDelivery(body): body
        case let .charterUpdate(body): body
        }
    }

    /// `version ‖ type ‖ fields`.
    public var encoded: [UInt8] {
        [ProtocolVersion.current, type] + body.encodedFields
    }

    /// Parses one message. Unknown fields are skipped; an unknown type is `unknownMessageType`.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ParlorProtocolError) -> ControlMessage {
        var reader = ByteReader(bytes)
        let version = try reader.byte("control message version")
        guard version == ProtocolVersion.current else { throw ParlorProtocolError.unsupportedVersion(version) }
        let type = try reader.byte("control message type")
        guard let name = names[type] else { throw ParlorProtocolError.unknownMessageType(type) }
        let fields = try TLVFields(reader.rest(), context: name)
        switch type {
        case 1: return .ping(try Ping(fields: fields))
        case 2: return .pong(try Pong(fields: fields))
        case 3: return .error(try ErrorMessage(fields: fields))
        case 4: return .serverClosing(try ServerClosing(fields: fields))
        case 10: return .createRoom(try CreateRoom(fields: fields))
        case 11: return .join(try Join(fields: fields))
        case 12: return .joined(try Joined(fields: fields))
        case 13: return .leave
        case 14: return .memberJoined(try MemberJoined(fields: fields))
        case 15: return .memberLeft(try MemberLeft(fields: fields))
        case 20: return .profileSet(try Profile(fields: fields))
        case 21: return .profileDelivery(try Profile(fields: fields))
        case 22: return .grantPresent(try GrantPresent(fields: fields))
        case 23: return .roleChanged(try RoleChanged(fields: fields))
        case 24: return .handRaise
        case 25: return .handLower(try HandLower(fields: fields))
        case 26: return .handUpdate(try HandUpdate(fields: fields))
        case 27: return .moderation(try Moderation(fields: fields))
        case 28: return .keyDelivery(try KeyDelivery(fields: fields))
        case 29: return .mediaSetup(try MediaSetup(fields: fields))
        case 30: return .mediaOverTCP(try MediaOverTCP(fields: fields))
        case 31: return .directoryRequest
        case 32: return .directoryListing(try DirectoryListing(fields: fields))
        case 33: return .blobSend(try BlobSend(fields: fields))
        case 34: return .blobDelivery(try BlobDelivery(fields: fields))
        case 35: return .charterUpdate(try CharterUpdate(fields: fields))
        default: throw ParlorProtocolError.unknownMessageType(type)
        }
    }
}
