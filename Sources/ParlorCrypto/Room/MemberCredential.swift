/// Why a member may hold the room's keys, checked by the relay at `join` and again by the keeper
/// before it seals anything (docs/PROTOCOL.md §7.4). Two signatures and a grant:
///
///     binding   = Ed25519(member key, "parlor/1 box binding" ‖ room id ‖ box key)
///     admission = Ed25519(link key,   "parlor/1 admission"   ‖ room id ‖ member key ‖ box key)
///     link      = a grant (§7.2) by the host key for the link key, with the role the link gives
///
/// The binding ties the X25519 key that epoch secrets are sealed to to the member key, so a relay
/// cannot put its own box key under a member's name. The admission proves the member holds a link
/// the host signed: the relay knows no link's private key, so it cannot make up a member. The host
/// itself needs no link (its member key is the room's host key).
///
/// Wire form: `binding(64) [‖ admission(64) ‖ link grant(169)]` — 64 bytes for the host, 297 otherwise.
public struct MemberCredential: Sendable, Equatable {
    static let bindingLabel = Array("parlor/1 box binding".utf8)
    static let admissionLabel = Array("parlor/1 admission".utf8)
    static let signatureLength = Ed25519SigningKey.signatureLength
    /// Bytes of the host's credential and of a member's.
    public static let hostLength = signatureLength
    public static let memberLength = 2 * signatureLength + Grant.encodedLength

    /// The member key's signature over its box key.
    public let binding: [UInt8]
    /// The link key's signature over the member and box keys, and the host's grant for that link
    /// key; nil for the host.
    public let admission: [UInt8]?
    public let linkGrant: Grant?

    /// A credential for `memberKey` with the session's `boxKey`, admitted by `link` (the link's
    /// own key and its grant; nil for the host).
    public init(roomID: [UInt8], memberKey: Ed25519SigningKey, boxKey: [UInt8], link: (key: Ed25519SigningKey, grant: Grant)?) {
        binding = memberKey.sign(Self.bindingLabel + roomID + boxKey)
        admission = link.map { $0.key.sign(Self.admissionLabel + roomID + memberKey.publicKey + boxKey) }
        linkGrant = link?.grant
    }

    /// Parses the wire form (it does not verify: call `verify`).
    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        switch bytes.count {
        case Self.hostLength:
            binding = bytes
            admission = nil
            linkGrant = nil
        case Self.memberLength:
            binding = Array(bytes[0..<Self.signatureLength])
            admission = Array(bytes[Self.signatureLength..<2 * Self.signatureLength])
            linkGrant = try Grant(encoded: bytes[(2 * Self.signatureLength)...])
        default:
            throw CryptoError.invalidLength(what: "member credential", expected: Self.memberLength, got: bytes.count)
        }
    }

    public var encoded: [UInt8] {
        binding + (admission ?? []) + (linkGrant?.encoded ?? [])
    }

    /// The key of the link that admitted this member (nil for the host).
    public var linkKey: [UInt8]? { linkGrant?.memberKey }

    /// Checks every signature for the member `memberKey` with `boxKey` in the room named by
    /// `hostKey`, and returns the role it gives: host for the host key, otherwise the link's role
    /// (listener or speaker). Whether the link is still one of the room's is the caller's check
    /// (`RoomCharter`); `now` is Unix seconds.
    public func verify(roomID: [UInt8], hostKey: [UInt8], memberKey: [UInt8], boxKey: [UInt8], now: UInt64) throws(CryptoError) -> Role {
        guard Ed25519SigningKey.verify(binding, of: Self.bindingLabel + roomID + boxKey, publicKey: memberKey) else {
            throw CryptoError.badSignature
        }
        if memberKey == hostKey { return .host }
        guard let admission, let linkGrant else { throw CryptoError.notAdmitted("no link admits this member") }
        try linkGrant.verify(roomID: roomID, signer: hostKey, now: now)
        guard linkGrant.role <= .speaker else { throw CryptoError.notAdmitted("a link gives at most the speaker role") }
        guard Ed25519SigningKey.verify(admission, of: Self.admissionLabel + roomID + memberKey + boxKey, publicKey: linkGrant.memberKey) else {
            throw CryptoError.badSignature
        }
        return linkGrant.role
    }
}
