/// Every control message of protocol version 1. On the wire: `version(1) type(1)` then the
/// body's TLV fields (docs/PROTOCOL.md §Control messages has the type and tag tables); the type
/// numbers are `ControlMessageType`'s.
public enum ControlMessage: Sendable, Equatable {
    case ping(Ping)
    case pong(Pong)
    case error(ErrorMessage)
    case serverClosing(ServerClosing)
    case createRoom(CreateRoom)
    case join(Join)
    case joined(Joined)
    case leave
    case memberJoined(MemberJoined)
    case memberLeft(MemberLeft)
    case profileSet(Profile)
    case profileDelivery(Profile)
    case grantPresent(GrantPresent)
    case roleChanged(RoleChanged)
    case handRaise
    case handLower(HandLower)
    case handUpdate(HandUpdate)
    case moderation(Moderation)
    case keyDelivery(KeyDelivery)
    case mediaSetup(MediaSetup)
    case mediaOverTCP(MediaOverTCP)
    case directoryRequest
    case directoryListing(DirectoryListing)
    case blobSend(BlobSend)
    case blobDelivery(BlobDelivery)
    case charterUpdate(CharterUpdate)

    /// The message type.
    public var type: ControlMessageType {
        switch self {
        case .ping: .ping
        case .pong: .pong
        case .error: .error
        case .serverClosing: .serverClosing
        case .createRoom: .createRoom
        case .join: .join
        case .joined: .joined
        case .leave: .leave
        case .memberJoined: .memberJoined
        case .memberLeft: .memberLeft
        case .profileSet: .profileSet
        case .profileDelivery: .profileDelivery
        case .grantPresent: .grantPresent
        case .roleChanged: .roleChanged
        case .handRaise: .handRaise
        case .handLower: .handLower
        case .handUpdate: .handUpdate
        case .moderation: .moderation
        case .keyDelivery: .keyDelivery
        case .mediaSetup: .mediaSetup
        case .mediaOverTCP: .mediaOverTCP
        case .directoryRequest: .directoryRequest
        case .directoryListing: .directoryListing
        case .blobSend: .blobSend
        case .blobDelivery: .blobDelivery
        case .charterUpdate: .charterUpdate
        }
    }

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
        [ProtocolVersion.current, type.rawValue] + body.encodedFields
    }

    /// Parses one message. Unknown fields are skipped; an unknown type is `unknownMessageType`.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ParlorProtocolError) -> ControlMessage {
        var reader = ByteReader(bytes)
        let version = try reader.byte("control message version")
        guard version == ProtocolVersion.current else { throw ParlorProtocolError.unsupportedVersion(version) }
        let number = try reader.byte("control message type")
        guard let type = ControlMessageType(rawValue: number) else { throw ParlorProtocolError.unknownMessageType(number) }
        let fields = try TLVFields(reader.rest(), context: type.name)
        switch type {
        case .ping: return .ping(try Ping(fields: fields))
        case .pong: return .pong(try Pong(fields: fields))
        case .error: return .error(try ErrorMessage(fields: fields))
        case .serverClosing: return .serverClosing(try ServerClosing(fields: fields))
        case .createRoom: return .createRoom(try CreateRoom(fields: fields))
        case .join: return .join(try Join(fields: fields))
        case .joined: return .joined(try Joined(fields: fields))
        case .leave: return .leave
        case .memberJoined: return .memberJoined(try MemberJoined(fields: fields))
        case .memberLeft: return .memberLeft(try MemberLeft(fields: fields))
        case .profileSet: return .profileSet(try Profile(fields: fields))
        case .profileDelivery: return .profileDelivery(try Profile(fields: fields))
        case .grantPresent: return .grantPresent(try GrantPresent(fields: fields))
        case .roleChanged: return .roleChanged(try RoleChanged(fields: fields))
        case .handRaise: return .handRaise
        case .handLower: return .handLower(try HandLower(fields: fields))
        case .handUpdate: return .handUpdate(try HandUpdate(fields: fields))
        case .moderation: return .moderation(try Moderation(fields: fields))
        case .keyDelivery: return .keyDelivery(try KeyDelivery(fields: fields))
        case .mediaSetup: return .mediaSetup(try MediaSetup(fields: fields))
        case .mediaOverTCP: return .mediaOverTCP(try MediaOverTCP(fields: fields))
        case .directoryRequest: return .directoryRequest
        case .directoryListing: return .directoryListing(try DirectoryListing(fields: fields))
        case .blobSend: return .blobSend(try BlobSend(fields: fields))
        case .blobDelivery: return .blobDelivery(try BlobDelivery(fields: fields))
        case .charterUpdate: return .charterUpdate(try CharterUpdate(fields: fields))
        }
    }
}
