import Testing
@testable import ParlorCrypto

/// The signed records of docs/PROTOCOL.md §7.1, §7.4–§7.5: each verifies as made, survives the
/// wire, and refuses every substitution a relay or a member could try.
@Suite struct RoomAuthorityRecordsTests {
    let host = Ed25519SigningKey.generate()
    var roomID: [UInt8] { try! RoomKeys.roomID(hostKey: host.publicKey) }

    func link(_ role: Role = .listener, signer: Ed25519SigningKey? = nil, expiry: UInt64 = 2_000) throws -> (key: Ed25519SigningKey, grant: Grant) {
        let key = Ed25519SigningKey.generate()
        return (key, try Grant(roomID: roomID, memberKey: key.publicKey, role: role, expiry: expiry, signer: signer ?? host))
    }

    @Test func aCredentialVerifiesAndGivesItsLinksRole() throws {
        let member = Ed25519SigningKey.generate(), box = X25519KeyPair.generate().publicKey
        for role in [Role.listener, .speaker] {
            let credential = MemberCredential(roomID: roomID, memberKey: member, boxKey: box, link: try link(role))
            let wire = try MemberCredential(encoded: credential.encoded)
            #expect(wire == credential && credential.encoded.count == MemberCredential.memberLength)
            #expect(try wire.verify(roomID: roomID, hostKey: host.publicKey, memberKey: member.publicKey, boxKey: box, now: 1_000) == role)
        }
        let hostCredential = MemberCredential(roomID: roomID, memberKey: host, boxKey: box, link: nil)
        #expect(hostCredential.encoded.count == MemberCredential.hostLength)
        #expect(try hostCredential.verify(roomID: roomID, hostKey: host.publicKey, memberKey: host.publicKey, boxKey: box, now: 0) == .host)
    }

    /// What a relay (which knows every public key but no link's private key) or a member might try.
    @Test func aCredentialRefusesEverySubstitution() throws {
        let member = Ed25519SigningKey.generate(), box = X25519KeyPair.generate().publicKey
        let good = MemberCredential(roomID: roomID, memberKey: member, boxKey: box, link: try link())
        func verify(_ c: MemberCredential, member key: [UInt8] = member.publicKey, box b: [UInt8] = box, now: UInt64 = 1_000) throws {
            _ = try c.verify(roomID: roomID, hostKey: host.publicKey, memberKey: key, boxKey: b, now: now)
        }
        #expect(throws: CryptoError.badSignature, "the relay's own box key under the member's name") {
            try verify(good, box: X25519KeyPair.generate().publicKey)
        }
        #expect(throws: CryptoError.badSignature, "the credential copied onto a phantom member key") {
            try verify(good, member: Ed25519SigningKey.generate().publicKey)
        }
        let phantom = Ed25519SigningKey.generate()
        let selfGranted = MemberCredential(roomID: roomID, memberKey: phantom, boxKey: box, link: try link(signer: .generate()))
        #expect(throws: CryptoError.badSignature, "a link the host never signed") { try verify(selfGranted, member: phantom.publicKey) }
        let stolenGrant = MemberCredential(roomID: roomID, memberKey: phantom, boxKey: box, link: (Ed25519SigningKey.generate(), good.linkGrant!))
        #expect(throws: CryptoError.badSignature, "a real link's grant with an admission by another key") {
            try verify(stolenGrant, member: phantom.publicKey)
        }
        #expect(throws: CryptoError.grantExpired(expiry: 2_000, now: 2_000)) { try verify(good, now: 2_000) }
        let moderatorLink = MemberCredential(roomID: roomID, memberKey: member, boxKey: box, link: try link(.moderator))
        #expect(throws: CryptoError.notAdmitted("a link gives at most the speaker role")) { try verify(moderatorLink) }
        let hostless = MemberCredential(roomID: roomID, memberKey: member, boxKey: box, link: nil)
        #expect(throws: CryptoError.notAdmitted("no link admits this member")) { try verify(hostless) }
    }

    @Test func aCharterIsTheHostsAndNamesItsLinks() throws {
        let links = (0..<2).map { _ in Ed25519SigningKey.generate().publicKey }
        let charter = try RoomCharter(roomID: roomID, version: 3, linkKeys: links, host: host)
        let wire = try RoomCharter(encoded: charter.encoded)
        #expect(wire == charter && wire.version == 3)
        try wire.verify(roomID: roomID, hostKey: host.publicKey)
        #expect(wire.admits(linkKey: links[1]) && !wire.admits(linkKey: Ed25519SigningKey.generate().publicKey))
        let forged = try RoomCharter(roomID: roomID, version: 4, linkKeys: links + [Ed25519SigningKey.generate().publicKey], host: .generate())
        #expect(throws: CryptoError.badSignature) { try forged.verify(roomID: roomID, hostKey: host.publicKey) }
        var bumped = charter.encoded
        bumped[7] = 9
        #expect(throws: CryptoError.badSignature, "a version the host did not sign") {
            try RoomCharter(encoded: bumped).verify(roomID: roomID, hostKey: host.publicKey)
        }
        #expect(throws: (any Error).self) { try RoomCharter(encoded: Array(charter.encoded.dropLast())) }
    }

    @Test func anEpochStatementComesFromTheHostOrAModeratorItGranted() throws {
        let secret = RoomKeys.newEpochSecret()
        let holders = [(memberKey: host.publicKey, boxKey: X25519KeyPair.generate().publicKey)]
        let byHost = try EpochStatement(roomID: roomID, epoch: 7, secret: secret, recipients: holders, signer: host)
        let wire = try EpochStatement(encoded: byHost.encoded)
        #expect(wire == byHost && byHost.encoded.count == EpochStatement.encodedLength)
        try wire.verify(roomID: roomID, hostKey: host.publicKey, authority: nil, now: 0)
        #expect(wire.commits(to: secret) && !wire.commits(to: RoomKeys.newEpochSecret()))

        let moderator = Ed25519SigningKey.generate()
        let byModerator = try EpochStatement(roomID: roomID, epoch: 8, secret: secret, recipients: holders, signer: moderator)
        let grant = try Grant(roomID: roomID, memberKey: moderator.publicKey, role: .moderator, expiry: 100, signer: host)
        try byModerator.verify(roomID: roomID, hostKey: host.publicKey, authority: grant, now: 50)
        #expect(throws: CryptoError.self, "no grant") { try byModerator.verify(roomID: roomID, hostKey: host.publicKey, authority: nil, now: 50) }
        let speakerGrant = try Grant(roomID: roomID, memberKey: moderator.publicKey, role: .speaker, expiry: 100, signer: host)
        #expect(throws: CryptoError.self, "a speaker grant") {
            try byModerator.verify(roomID: roomID, hostKey: host.publicKey, authority: speakerGrant, now: 50)
        }
        let selfSigned = try Grant(roomID: roomID, memberKey: moderator.publicKey, role: .moderator, expiry: 100, signer: moderator)
        #expect(throws: CryptoError.self, "a grant not from the host") {
            try byModerator.verify(roomID: roomID, hostKey: host.publicKey, authority: selfSigned, now: 50)
        }
        #expect(throws: CryptoError.self, "another room") {
            try byHost.verify(roomID: try RoomKeys.roomID(hostKey: moderator.publicKey), hostKey: host.publicKey, authority: nil, now: 0)
        }
        var rewound = byHost.encoded
        rewound[7] = 6
        #expect(throws: CryptoError.badSignature) { try EpochStatement(encoded: rewound).verify(roomID: roomID, hostKey: host.publicKey, authority: nil, now: 0) }
        var huge = byHost.encoded
        for i in 0..<8 { huge[i] = 0xff }
        #expect(throws: CryptoError.self, "an epoch above 2^48 - 1 does not even parse") { try EpochStatement(encoded: huge) }
    }

    /// A statement lists the grants its signer saw revoked, in any order, and nothing else.
    @Test func anEpochStatementListsTheRevokedGrants() throws {
        let holders = [(memberKey: host.publicKey, boxKey: X25519KeyPair.generate().publicKey)]
        let revoked = try (0..<3).map { _ in
            try Grant(roomID: roomID, memberKey: Ed25519SigningKey.generate().publicKey, role: .speaker, expiry: 100, signer: host).signature
        }
        let statement = try EpochStatement(roomID: roomID, epoch: 9, secret: RoomKeys.newEpochSecret(), recipients: holders,
                                           revoked: revoked, signer: host)
        try EpochStatement(encoded: statement.encoded).verify(roomID: roomID, hostKey: host.publicKey, authority: nil, now: 0)
        #expect(statement.lists(revoked: revoked.reversed()) && !statement.lists(revoked: Array(revoked.prefix(2))))
        #expect(!statement.lists(revoked: revoked + [[UInt8](repeating: 0, count: 64)]) && !statement.lists(revoked: []))
        let none = try EpochStatement(roomID: roomID, epoch: 9, secret: RoomKeys.newEpochSecret(), recipients: holders, signer: host)
        #expect(none.lists(revoked: []) && !none.lists(revoked: revoked))
        var swapped = statement.encoded
        swapped[76..<108] = none.encoded[76..<108]
        #expect(throws: CryptoError.badSignature, "another list than the signer's") {
            try EpochStatement(encoded: swapped).verify(roomID: roomID, hostKey: host.publicKey, authority: nil, now: 0)
        }
        let tooMany = [[UInt8]](repeating: revoked[0], count: EpochStatement.maximumRevoked + 1)
        #expect(throws: CryptoError.self) { try EpochStatement.revokedDigest(tooMany) }
        #expect(throws: CryptoError.self) { try EpochStatement.revokedDigest([[1, 2, 3]]) }
    }
}
