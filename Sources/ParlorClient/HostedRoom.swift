import ParlorCrypto
import ParlorProtocol

/// A room as its host makes it: the host key that names it, a fresh room secret, and the links to
/// hand out — one to listen, one to speak — each with a key of its own that the host's grant
/// admits, and the host's charter naming those link keys (docs/PROTOCOL.md §7.5). A ban replaces
/// the banned member's link (`replacing`): the charter moves on, and the old link admits nobody.
public struct HostedRoom: Sendable {
    /// How long a speak link's grant lasts.
    public static let speakerGrantSeconds: UInt64 = 7 * 24 * 3600
    /// How long a listen link's grant lasts: a room's listen link is meant to be handed around.
    public static let listenerGrantSeconds: UInt64 = 365 * 24 * 3600

    public let keys: RoomKeys
    public let hostKey: Ed25519SigningKey
    public private(set) var listenLink: InviteLink
    public private(set) var speakLink: InviteLink
    public private(set) var charter: RoomCharter
    private let relay: RelayAddress
    /// Further nodes of the relay's cluster, named in the links after `relay`.
    private let otherRelays: [RelayAddress]
    private let relayPublicKey: [UInt8]
    private let suite: SFrameSuite

    /// A new room on `relay` (and, named in its links, the other nodes of its cluster).
    public init(relay: RelayAddress, otherRelays: [RelayAddress] = [], relayPublicKey: [UInt8], suite: SFrameSuite = .preferred,
                now: UInt64) throws {
        hostKey = Ed25519SigningKey.generate()
        keys = RoomKeys.generate(hostKey: hostKey.publicKey)
        self.relay = relay
        self.otherRelays = otherRelays
        self.relayPublicKey = relayPublicKey
        self.suite = suite
        listenLink = try Self.link(role: .listener, keys: keys, host: hostKey, relays: [relay] + otherRelays, relayPublicKey: relayPublicKey,
                                   suite: suite, now: now)
        speakLink = try Self.link(role: .speaker, keys: keys, host: hostKey, relays: [relay] + otherRelays, relayPublicKey: relayPublicKey,
                                  suite: suite, now: now)
        charter = try RoomCharter(roomID: keys.roomID, version: 1,
                                  linkKeys: [listenLink.admission.linkKey.publicKey, speakLink.admission.linkKey.publicKey], host: hostKey)
    }

    /// The room with the link whose key is `linkKey` replaced by a new one of the same role, and
    /// a charter one version on that no longer names the old key; nil when no current link has it.
    public func replacing(linkKey: [UInt8], now: UInt64) throws -> HostedRoom? {
        var room = self
        if listenLink.admission.linkKey.publicKey == linkKey {
            room.listenLink = try Self.link(role: .listener, keys: keys, host: hostKey, relays: [relay] + otherRelays, relayPublicKey: relayPublicKey,
                                            suite: suite, now: now)
        } else if speakLink.admission.linkKey.publicKey == linkKey {
            room.speakLink = try Self.link(role: .speaker, keys: keys, host: hostKey, relays: [relay] + otherRelays, relayPublicKey: relayPublicKey,
                                           suite: suite, now: now)
        } else {
            return nil
        }
        room.charter = try RoomCharter(roomID: keys.roomID, version: charter.version + 1,
                                       linkKeys: [room.listenLink.admission.linkKey.publicKey, room.speakLink.admission.linkKey.publicKey],
                                       chatPolicy: charter.chatPolicy, host: hostKey)
        return room
    }

    /// The room with `policy` for its chat: the same links, a charter one version on.
    public func with(chatPolicy policy: ChatPolicy) throws -> HostedRoom {
        var room = self
        room.charter = try RoomCharter(roomID: keys.roomID, version: charter.version + 1, linkKeys: charter.linkKeys,
                                       chatPolicy: policy, host: hostKey)
        return room
    }

    private static func link(role: Role, keys: RoomKeys, host: Ed25519SigningKey, relays: [RelayAddress], relayPublicKey: [UInt8],
                             suite: SFrameSuite, now: UInt64) throws -> InviteLink {
        let linkKey = Ed25519SigningKey.generate()
        let seconds = role == .speaker ? speakerGrantSeconds : listenerGrantSeconds
        let grant = try Grant(roomID: keys.roomID, memberKey: linkKey.publicKey, role: role, expiry: now + seconds, signer: host)
        var link = InviteLink(relay: relays[0], relayPublicKey: relayPublicKey, roomSecret: keys.roomSecret, suite: suite,
                              admission: InviteLink.Admission(linkKey: linkKey, grant: grant))
        link.otherRelays = Array(relays.dropFirst())
        return link
    }
}
