/// The type byte of a control message of protocol version 1, with the name docs/PROTOCOL.md
/// §Control messages uses for it. Each number is written here and nowhere else.
public enum ControlMessageType: UInt8, Sendable, CaseIterable {
    case ping = 1
    case pong = 2
    case error = 3
    case serverClosing = 4
    case createRoom = 10
    case join = 11
    case joined = 12
    case leave = 13
    case memberJoined = 14
    case memberLeft = 15
    case profileSet = 20
    case profileDelivery = 21
    case grantPresent = 22
    case roleChanged = 23
    case handRaise = 24
    case handLower = 25
    case handUpdate = 26
    case moderation = 27
    case keyDelivery = 28
    case mediaSetup = 29
    case mediaOverTCP = 30
    case directoryRequest = 31
    case directoryListing = 32
    case blobSend = 33
    case blobDelivery = 34
    case charterUpdate = 35

    /// The name PROTOCOL.md uses; errors and logs quote it.
    public var name: String {
        switch self {
        case .ping: "ping"
        case .pong: "pong"
        case .error: "error"
        case .serverClosing: "server_closing"
        case .createRoom: "create_room"
        case .join: "join"
        case .joined: "joined"
        case .leave: "leave"
        case .memberJoined: "member_joined"
        case .memberLeft: "member_left"
        case .profileSet: "profile_set"
        case .profileDelivery: "profile_delivery"
        case .grantPresent: "grant_present"
        case .roleChanged: "role_changed"
        case .handRaise: "hand_raise"
        case .handLower: "hand_lower"
        case .handUpdate: "hand_update"
        case .moderation: "moderation"
        case .keyDelivery: "key_delivery"
        case .mediaSetup: "media_setup"
        case .mediaOverTCP: "media_over_tcp"
        case .directoryRequest: "directory_request"
        case .directoryListing: "directory_listing"
        case .blobSend: "blob_send"
        case .blobDelivery: "blob_delivery"
        case .charterUpdate: "charter_update"
        }
    }
}
