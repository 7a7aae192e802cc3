import ParlorCrypto
import ParlorProtocol

/// Who this client is in one room: the link it came by (which pins the room's host key), the keys
/// the link derives, its own per-room member key, and the grant it presents (from a moderator's
/// invitation). Every holder of a link joins as a member of its own: the member key is always
/// fresh, and the link's key only admits it (`MemberCredential`). Nothing here is ever sent in clear.
public struct RoomIdentity: Sendable {
    public let link: InviteLink
    public let keys: RoomKeys
    /// This member's Ed25519 key for this room. For the host it is the room's host key.
    public let memberKey: Ed25519SigningKey
    public var isHost: Bool { hosted != nil }
    /// The host's room: its host key, its current links and charter (nil for everyone else).
    public internal(set) var hosted: HostedRoom?
    /// A grant above the link's role, from a moderator's invitation accepted later; dropped when
    /// the member is moved back to the audience (the relay revokes it).
    public var grant: Grant?
    /// What this member says about itself (sealed before it leaves the client).
    public var card: ProfileCard
    /// Host only: list the room in the relay's public directory under its title.
    public var listed: Bool

    /// A member joining by link, with a fresh member key of its own.
    public init(link: InviteLink, name: String?, listed: Bool = false) throws {
        self.link = link
        keys = try RoomKeys(roomSecret: link.roomSecret, hostKey: link.hostKey)
        memberKey = Ed25519SigningKey.generate()
        grant = nil
        hosted = nil
        card = ProfileCard(name: name, listed: listed)
        self.listed = false
    }

    /// The host of a new room.
    public init(hosting room: HostedRoom, name: String?, title: String, listed: Bool) {
        link = room.listenLink
        keys = room.keys
        memberKey = room.hostKey
        grant = nil
        hosted = room
        card = ProfileCard(name: name, title: title)
        self.listed = listed
    }

    public var memberID: MemberID { MemberID(key: memberKey.publicKey) }
    /// The room's host key, as the link pins it.
    public var hostKey: [UInt8] { keys.hostKey }
    /// The link that admits this member (nil for the host, whose key is the room's).
    public var admission: InviteLink.Admission? { isHost ? nil : link.admission }
}
