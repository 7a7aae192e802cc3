import ParlorCrypto

/// An invite link, `parlor://HOST:PORT[,HOST:PORT…]/#KEY`, where KEY is base64url (no padding) of
///
///     version(1) = 2 ‖ relay public key(32) ‖ room secret(32) ‖ suite(2, BE)
///     ‖ host key(32) ‖ link seed(32) ‖ role(1) ‖ expiry(8, BE) ‖ signature(64)        (204 bytes)
///
/// The tail is the host's grant (docs/PROTOCOL.md §7.2) for the link's own Ed25519 key, given by
/// its seed: the room id follows from the host key and the link key from the seed, so a link
/// cannot contradict itself. The host key is pinned: the room, its keys and its charter are
/// accepted only under it. Whoever holds a link joins as a member of its own (a fresh member key
/// each), admitted by the link key's signature (`MemberCredential`); a speak link's role is
/// speaker, a listen link's listener. The key part sits in the fragment, which HTTP clients never
/// send to a server. A link is a capability until the host replaces it (`RoomCharter`).
///
/// Several addresses name the nodes of one relay cluster (docs/CLUSTER.md), all under the one
/// pinned relay key: a client tries the first, and the next in turn when it has to reconnect.
public struct InviteLink: Sendable, Equatable {
    public static let scheme = "parlor://"
    public static let version: UInt8 = 2
    static let payloadLength = 1 + 32 + 32 + 2 + 32 + 32 + 1 + 8 + 64

    /// The link's own key and the host's grant for it.
    public struct Admission: Sendable, Equatable {
        public let linkKey: Ed25519SigningKey
        public let grant: Grant

        public init(linkKey: Ed25519SigningKey, grant: Grant) {
            self.linkKey = linkKey
            self.grant = grant
        }

        public static func == (lhs: Admission, rhs: Admission) -> Bool {
            lhs.linkKey.seed == rhs.linkKey.seed && lhs.grant == rhs.grant
        }
    }

    public var relay: RelayAddress
    /// Further nodes of the relay's cluster, tried in turn after `relay` when reconnecting.
    public var otherRelays: [RelayAddress] = []
    /// The relay's static X25519 key, pinned by the Noise NK handshake.
    public var relayPublicKey: [UInt8]
    public var roomSecret: [UInt8]
    public var suite: SFrameSuite
    public var admission: Admission

    public init(relay: RelayAddress, relayPublicKey: [UInt8], roomSecret: [UInt8], suite: SFrameSuite, admission: Admission) {
        self.relay = relay
        self.relayPublicKey = relayPublicKey
        self.roomSecret = roomSecret
        self.suite = suite
        self.admission = admission
    }

    /// At most this many addresses in one link.
    public static let maximumRelays = 8

    /// Every address the link names, `relay` first.
    public var relays: [RelayAddress] { [relay] + otherRelays }

    /// The room's host key, pinned by this link.
    public var hostKey: [UInt8] { admission.grant.signerKey }
    /// The role the link gives: listener or speaker.
    public var role: Role { admission.grant.role }

    /// The link text.
    public var text: String {
        var writer = ByteWriter()
        writer.append(Self.version)
        writer.append(relayPublicKey)
        writer.append(roomSecret)
        writer.bigEndian(UInt64(suite.rawValue), width: 2)
        writer.append(admission.grant.signerKey)
        writer.append(admission.linkKey.seed)
        writer.append(admission.grant.role.rawValue)
        writer.bigEndian(admission.grant.expiry, width: 8)
        writer.append(admission.grant.signature)
        return "\(Self.scheme)\(relays.map(\.description).joined(separator: ","))/#\(Base64URL.encode(writer.bytes))"
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
        let addresses = afterScheme[..<slash].split(separator: ",", omittingEmptySubsequences: false)
        guard addresses.count <= maximumRelays else {
            throw ParlorProtocolError.invalidLink("it names \(addresses.count) relays; at most \(maximumRelays)")
        }
        var relays: [RelayAddress] = []
        for address in addresses { relays.append(try RelayAddress.parse(address)) }
        let path = afterScheme[afterScheme.index(after: slash)...]
        guard path.hasPrefix("#") else {
            throw ParlorProtocolError.invalidLink("the key part must follow \"/#\"")
        }
        let payload = try Base64URL.decode(path.dropFirst()).get()
        var parsed = try decodePayload(payload, relay: relays[0])
        parsed.otherRelays = Array(relays.dropFirst())
        return parsed
    }

    private static func decodePayload(_ payload: [UInt8], relay: RelayAddress) throws(ParlorProtocolError) -> InviteLink {
        guard let version = payload.first else { throw ParlorProtocolError.invalidLink("the key part is empty") }
        guard version == Self.version else {
            throw ParlorProtocolError.invalidLink(version == 1
                ? "this link is from an older Parlor (version 1, without a pinned host key); ask the host for a new one"
                : "unknown link version \(version)")
        }
        guard payload.count == payloadLength else {
            throw ParlorProtocolError.invalidLink("the key part is \(payload.count) bytes; expected \(payloadLength)")
        }
        var reader = ByteReader(payload.dropFirst())
        let relayKey = try reader.bytes(32, "relay public key")
        let secret = try reader.bytes(32, "room secret")
        let suiteNumber = UInt16(try reader.bigEndian(2, "suite"))
        guard let suite = SFrameSuite(rawValue: suiteNumber) else {
            throw ParlorProtocolError.invalidLink("unknown cipher suite 0x\(String(suiteNumber, radix: 16))")
        }
        let admission = try decodeAdmission(&reader)
        return InviteLink(relay: relay, relayPublicKey: relayKey, roomSecret: secret, suite: suite, admission: admission)
    }

    private static func decodeAdmission(_ reader: inout ByteReader) throws(ParlorProtocolError) -> Admission {
        let hostKey = try reader.bytes(32, "host key")
        let seed = try reader.bytes(32, "link seed")
        let roleByte = try reader.byte("link role")
        let expiry = try reader.bigEndian(8, "link expiry")
        let signature = try reader.bytes(64, "link signature")
        guard let role = Role(rawValue: roleByte), role <= .speaker else {
            throw ParlorProtocolError.invalidLink("the link's role \(roleByte) is not listener (0) or speaker (1)")
        }
        do {
            let linkKey = try Ed25519SigningKey(seed: seed)
            let roomID = try RoomKeys.roomID(hostKey: hostKey)
            let grant = try Grant(roomID: roomID, memberKey: linkKey.publicKey, role: role, expiry: expiry,
                                  signerKey: hostKey, signature: signature)
            guard grant.hasValidSignature else { throw ParlorProtocolError.invalidLink("the link's signature by the host key does not verify") }
            return Admission(linkKey: linkKey, grant: grant)
        } catch let error as ParlorProtocolError {
            throw error
        } catch {
            throw ParlorProtocolError.invalidLink("the link's grant is malformed: \(error)")
        }
    }
}
