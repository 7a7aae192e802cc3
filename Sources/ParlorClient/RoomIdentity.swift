import ParlorCrypto
import ParlorProtocol

/// Who this client is in one room: the link it came by, the keys the room secret derives, its
/// per-room member key, and the grant it presents (from a speaker link, or from a moderator's
/// invitation accepted later). Nothing here is ever sent in clear.
public struct RoomIdentity: Sendable {
    public let link: InviteLink
    public let keys: RoomKeys
    /// This member's Ed25519 key for this room. For the host it is the room's host key.
    public let memberKey: Ed25519SigningKey
    public let isHost: Bool
    /// The grant presented when joining; replaced by an accepted invitation, dropped when the
    /// member is moved back to the audience (the relay revokes it).
    public var grant: Grant?
    /// What this member says about itself (sealed before it leaves the client).
    public var card: ProfileCard
    /// Host only: list the room in the relay's public directory under its title.
    public var listed: Bool

    /// A member joining by link: a speaker link brings its own key and grant, a listen link a fresh key.
    public init(link: InviteLink, name: String?, listed: Bool = false) throws {
        self.link = link
        keys = try RoomKeys(roomSecret: link.roomSecret)
        memberKey = link.invitation?.memberKey ?? Ed25519SigningKey.generate()
        grant = link.invitation?.grant
        isHost = false
        card = ProfileCard(name: name, listed: listed)
        self.listed = false
    }

    /// The host of a new room.
    public init(hosting room: HostedRoom, name: String?, title: String, listed: Bool) {
        link = room.listenLink
        keys = room.keys
        memberKey = room.hostKey
        grant = nil
        isHost = true
        card = ProfileCard(name: name, title: title)
        self.listed = listed
    }

    public var memberID: MemberID { MemberID(key: memberKey.publicKey) }
}
