import ParlorCrypto
import Testing

/// A role proof (docs/PROTOCOL.md §7.2): the grants a role rests on, from the member's own back to
/// one the host signed. Every link is checked, and the chain proves nothing it does not reach.
@Suite struct RoleProofTests {
    let room = [UInt8](repeating: 7, count: 32)
    let host = Ed25519SigningKey.generate()
    let expiry: UInt64 = 1_800_000_000

    func grant(_ member: Ed25519SigningKey, _ role: Role, by signer: Ed25519SigningKey, room: [UInt8]? = nil) throws -> Grant {
        try Grant(roomID: room ?? self.room, memberKey: member.publicKey, role: role, expiry: expiry, signer: signer)
    }

    func role(_ proof: RoleProof, of member: Ed25519SigningKey) throws -> Role {
        try proof.role(of: member.publicKey, roomID: room, hostKey: host.publicKey)
    }

    @Test func aGrantTheHostSignedProvesItsRole() throws {
        let bob = Ed25519SigningKey.generate()
        #expect(try role(RoleProof([grant(bob, .speaker, by: host)]), of: bob) == .speaker)
        #expect(try role(RoleProof([grant(bob, .moderator, by: host)]), of: bob) == .moderator)
        // No grant makes anyone host.
        #expect(try role(RoleProof([grant(bob, .host, by: host)]), of: bob) == .moderator)
    }

    @Test func aModeratorsGrantProvesItsRoleThroughTheModeratorsOwn() throws {
        let bob = Ed25519SigningKey.generate(), moderators = (0..<3).map { _ in Ed25519SigningKey.generate() }
        // The host appointed moderator 0, who appointed 1, who appointed 2, who invited Bob: 4 grants.
        var chain = [try grant(moderators[0], .moderator, by: host)]
        for n in 1..<3 { chain.insert(try grant(moderators[n], .moderator, by: moderators[n - 1]), at: 0) }
        let proof = RoleProof(chain).extended(by: try grant(bob, .speaker, by: moderators[2]))
        #expect(proof.grants.count == RoleProof.maximumGrants)
        #expect(try role(proof, of: bob) == .speaker)
        #expect(try RoleProof(encoded: proof.encoded) == proof, "the wire form round-trips")
        // One more link is too long, in the wire form and as a value.
        let longer = proof.extended(by: try grant(.generate(), .speaker, by: bob))
        #expect(throws: CryptoError.self) { try RoleProof(encoded: longer.encoded) }
        #expect(throws: CryptoError.self) { try longer.role(of: longer.grants[0].memberKey, roomID: room, hostKey: host.publicKey) }
    }

    @Test func aBrokenLinkProvesNothing() throws {
        let bob = Ed25519SigningKey.generate(), moderator = Ed25519SigningKey.generate(), stranger = Ed25519SigningKey.generate()
        let appointed = try grant(moderator, .moderator, by: host)
        let invited = try grant(bob, .speaker, by: moderator)
        #expect(try role(RoleProof([invited, appointed]), of: bob) == .speaker)
        // For someone else.
        #expect(throws: CryptoError.self) { try role(RoleProof([invited, appointed]), of: stranger) }
        // Signed by a speaker, not a moderator.
        let speaker = try grant(moderator, .speaker, by: host)
        #expect(throws: CryptoError.self) { try role(RoleProof([invited, speaker]), of: bob) }
        // Signed by someone the next grant does not name.
        #expect(throws: CryptoError.self) { try role(RoleProof([try grant(bob, .speaker, by: stranger), appointed]), of: bob) }
        // Never reaching the host: self-appointed moderators.
        #expect(throws: CryptoError.self) { try role(RoleProof([invited, try grant(moderator, .moderator, by: moderator)]), of: bob) }
        #expect(throws: CryptoError.self) { try role(RoleProof([invited]), of: bob) }
        #expect(throws: CryptoError.self) { try role(RoleProof([]), of: bob) }
        // For another room.
        #expect(throws: CryptoError.self) { try role(RoleProof([try grant(bob, .speaker, by: host, room: [UInt8](repeating: 8, count: 32))]), of: bob) }
        // A signature that does not verify: the role byte changed on the way.
        var bytes = try grant(bob, .listener, by: host).encoded
        bytes[64] = Role.moderator.rawValue
        #expect(throws: CryptoError.self) { try role(RoleProof([try Grant(encoded: bytes)]), of: bob) }
    }

    /// Expiry is the relay's to check when a grant is presented: a member keeps its role after,
    /// and one who joins later must still see it.
    @Test func anExpiredGrantStillProvesTheRoleItGave() throws {
        let bob = Ed25519SigningKey.generate()
        let old = try Grant(roomID: room, memberKey: bob.publicKey, role: .speaker, expiry: 1, signer: host)
        #expect(try role(RoleProof([old]), of: bob) == .speaker)
    }
}
