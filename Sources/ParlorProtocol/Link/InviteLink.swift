import ParlorCrypto

/// An invite link, `parlor://HOST:PORT/#KEY`, where KEY is base64url (no padding) of
///
///     version(1) = 1 ‖ relay public key(32) ‖ room secret(32) ‖ suite(2, BE)
///     [‖ signer key(32) ‖ member seed(32) ‖ role(1) ‖ expiry(8, BE) ‖ signature(64)]
///
/// The optional tail is a pre-signed grant (a speaker invite): the seed of the member key it
/// grants, and the grant's fields that the link does not already imply (the room id derives from
/// the secret, the member key from the seed). The key part sits in the fragment, which HTTP
/// clients never send to a server. A link is a capability: whoever holds it can listen.
public struct InviteLink: Sendable, Equatable {
    public static let scheme = "parlor://"
    public static let version: UInt8 = 1
    static let baseLength = 1 + 32 + 32 + 2
    static let grantLength = 32 + 32 + 1 + 8 + 64

    /// A pre-signed grant and the seed of the member key it names.
    public struct Invitation: Sendable, Equatable {
        public let memberKey: Ed25519SigningKey
        public let grant: Grant

        public init(memberKey: Ed25519SigningKey, grant: Grant) {
            self.memberKey = memberKey
            self.grant = grant
        }

        public static func == (lhs: Invitation, rhs: Invitation) -> Bool {
            lhs.memberKey.seed == rhs.memberKey.seed && lhs.grant == rhs.grant
        }
    }

    public var relay: RelayAddress
    /// The relay's static X25519 key, pinned by the Noise NK handshake.
    public var relayPublicKey: [UInt8]
    public var roomSecret: [UInt8]
    public var suite: SFrameSuite
    public var invitation: Invitation?

    public init(relay: RelayAddress, relayPublicKey: [UInt8], roomSecret: [UInt8], suite: SFrameSuite, invitation: Invitation? = nil) {
        self.relay = relay
        self.relayPublicKey = relayPublicKey
        self.roomSecret = roomSecret
        self.suite = suite
        self.invitation = invitation
    }

    /// The link text.
    public var text: String {
        var writer = ByteWriter()
        writer.append(Self.version)
        writer.append(relayPublicKey)
        writer.append(roomSecret)
        writer.bigEndian(UInt64(suite.rawValue), width: 2)
        if let invitation {
            writer.append(invitation.grant.signerKey)
            writer.append(invitation.memberKey.seed)
            writer.append(invitation.grant.role.rawValue)
            writer.bigEndian(invitation.grant.expiry, width: 8)
            writer.append(invitation.grant.signature)
        }
        return "\(Self.scheme)\(relay)/#\(Base64URL.encode(writer.bytes))"
    }

    /// Parses a link, rejecting anything malformed with a message that says what is wrong.
    public static func parse(_ text: String) throws(ParlorProtocolError) -> InviteLink {
        let link = Substring(text)
        guard link.lowercased().hasPrefix(scheme) else {
            throw ParlorProtocolError.invalidLink("it must start with \(scheme)")
        }
        let afterScheme = link.dropFirst(scheme.count)
        guard let slash = afterScheme.firstIndex(of: "/") else {
            throw ParlorProtocolError.invalidLink("the key part is missing (expected parlor://HOST:PORT/#KEY)")
        }
        let relay = try RelayAddress.parse(afterScheme[..<slash])
        let path = afterScheme[afterScheme.index(after: slash)...]
        guard path.hasPrefix("#") else {
            throw ParlorProtocolError.invalidLink("the key part must follow \"/#\"")
        }
        let payload = try Base64URL.decode(path.dropFirst()).get()
        return try decodePayload(payload, relay: relay)
    }

    private static func decodePayload(_ payload: [UInt8], relay: RelayAddress) throws(ParlorProtocolError) -> InviteLink {
        guard let version = payload.first else { throw ParlorProtocolError.invalidLink("the key part is empty") }
        guard version == Self.version else { throw ParlorProtocolError.invalidLink("unknown link version \(version)") }
        guard payload.count == baseLength || payload.count == baseLength + grantLength else {
            throw ParlorProtocolError.invalidLink(
                "the key part is \(payload.count) bytes; expected \(baseLength), or \(baseLength + grantLength) with a grant")
        }
        var reader = ByteReader(payload.dropFirst())
        let relayKey = try reader.bytes(32, "relay public key")
        let secret = try reader.bytes(32, "room secret")
        let suiteNumber = UInt16(try reader.bigEndian(2, "suite"))
        guard let suite = SFrameSuite(rawValue: suiteNumber) else {
            throw ParlorProtocolError.invalidLink("unknown cipher suite 0x\(String(suiteNumber, radix: 16))")
        }
        var link = InviteLink(relay: relay, relayPublicKey: relayKey, roomSecret: secret, suite: suite)
        if !reader.isAtEnd {
            link.invitation = try decodeInvitation(&reader, roomSecret: secret)
        }
        return link
    }

    private static func decodeInvitation(_ reader: inout ByteReader, roomSecret: [UInt8]) throws(ParlorProtocolError) -> Invitation {
        let signer = try reader.bytes(32, "grant signer")
        let seed = try reader.bytes(32, "member seed")
        let roleByte = try reader.byte("grant role")
        let expiry = try reader.bigEndian(8, "grant expiry")
        let signature = try reader.bytes(64, "grant signature")
        guard let role = Role(rawValue: roleByte), role == .speaker || role == .moderator else {
            throw ParlorProtocolError.invalidLink("the invite's role \(roleByte) is not speaker (1) or moderator (2)")
        }
        do {
            let memberKey = try Ed25519SigningKey(seed: seed)
            let roomID = try RoomKeys(roomSecret: roomSecret).roomID
            let grant = try Grant(roomID: roomID, memberKey: memberKey.publicKey, role: role, expiry: expiry,
                                  signerKey: signer, signature: signature)
            guard grant.hasValidSignature else { throw ParlorProtocolError.invalidLink("the invite's grant signature does not verify") }
            return Invitation(memberKey: memberKey, grant: grant)
        } catch let error as ParlorProtocolError {
            throw error
        } catch {
            throw ParlorProtocolError.invalidLink("the invite's grant is malformed: \(error)")
        }
    }
}
