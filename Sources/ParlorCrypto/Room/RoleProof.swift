/// The grants a member's role rests on (docs/PROTOCOL.md §7.2), as the relay passes them on with
/// the role: the first names the member; each next one names the previous one's signer, as a
/// moderator; the last is signed by the room's host key. With it every member checks a role the
/// relay announces instead of taking the relay's word.
public struct RoleProof: Sendable, Equatable {
    /// The longest chain the relay builds and members accept: a speaker invited by a moderator
    /// whom a moderator appointed, whom a moderator appointed, whom the host appointed.
    public static let maximumGrants = 4

    public let grants: [Grant]

    public init(_ grants: [Grant]) {
        self.grants = grants
    }

    /// Parses the wire form: the grants' wire forms one after another (it does not verify: call
    /// `role(of:roomID:hostKey:)`).
    public init(encoded bytes: some Collection<UInt8>) throws(CryptoError) {
        let data = Array(bytes)
        guard !data.isEmpty, data.count % Grant.encodedLength == 0, data.count / Grant.encodedLength <= Self.maximumGrants else {
            throw CryptoError.invalidLength(what: "role proof", expected: Grant.encodedLength, got: data.count)
        }
        var grants: [Grant] = []
        for start in stride(from: 0, to: data.count, by: Grant.encodedLength) {
            grants.append(try Grant(encoded: data[start..<start + Grant.encodedLength]))
        }
        self.grants = grants
    }

    /// The wire form: each grant's wire form, in order.
    public var encoded: [UInt8] { grants.flatMap(\.encoded) }

    /// The same proof for a member whose grant `grant` was signed by the member this proof is for.
    public func extended(by grant: Grant) -> RoleProof { RoleProof([grant] + grants) }

    /// The role the chain proves for `memberKey` in the room `roomID` whose host key is `hostKey`:
    /// the first grant's, at most moderator. Throws when the chain is empty or too long, a grant
    /// is for another room or member or its signature fails, a signer before the host is
    /// not named as a moderator by the next grant, or the chain does not end at the host key.
    ///
    /// Expiry is not checked: the relay checked it when the grant was presented, and a member
    /// keeps its role past it, so a member who joins later must still see that role.
    public func role(of memberKey: [UInt8], roomID: [UInt8], hostKey: [UInt8]) throws(CryptoError) -> Role {
        guard !grants.isEmpty, grants.count <= Self.maximumGrants else { throw CryptoError.notAdmitted("a role proof of \(grants.count) grants") }
        var named = memberKey
        for (index, grant) in grants.enumerated() {
            guard grant.memberKey == named else { throw CryptoError.notAdmitted("a role proof whose grant names another member") }
            guard grant.roomID == roomID else { throw CryptoError.grantForAnotherRoom }
            guard grant.hasValidSignature else { throw CryptoError.badSignature }
            guard index == 0 || grant.role >= .moderator else { throw CryptoError.notAdmitted("a grant signed by a member who is not a moderator") }
            if grant.signerKey == hostKey { return min(grants[0].role, .moderator) }
            named = grant.signerKey
        }
        throw CryptoError.notAdmitted("a role proof that does not end at the host key")
    }
}
