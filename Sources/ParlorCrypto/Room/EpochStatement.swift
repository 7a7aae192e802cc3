/// The room's authority vouching for an epoch (docs/PROTOCOL.md §7.1): who made the secret, a
/// commitment to it, the members it was sealed to, and the grants the keeper saw revoked. A
/// client installs an epoch secret only when a statement signed by the host key (pinned in its
/// link), or by a moderator holding a moderator grant from that key, commits to exactly the
/// secret it opened.
///
///     signed = "parlor/1 epoch" ‖ room id(32) ‖ epoch(8, BE) ‖ commitment(32) ‖ roster digest(32)
///              ‖ holders(4, BE) ‖ revoked digest(32) ‖ signer key(32)
///     wire   = epoch(8, BE) ‖ commitment(32) ‖ roster digest(32) ‖ holders(4, BE) ‖ revoked digest(32)
///              ‖ signer key(32) ‖ signature(64)                                         (204 bytes)
///
/// `commitment` is `RoomKeys.commitment(epochSecret:)`; `roster digest` is `rosterDigest` of every
/// (member key, box key) the secret was sealed to, the signer's own included; `holders` is their
/// number; `revoked digest` is `revokedDigest` of the signatures of the grants the keeper saw
/// revoked, which its `key_delivery` lists (so a relay can neither drop nor shorten the list).
/// The safety code covers the roster digest and the signer, so members who compare codes also
/// compare who holds the keys and who handed them out.
public struct EpochStatement: Sendable, Equatable {
    static let label = Array("parlor/1 epoch".utf8)
    static let rosterLabel = Array("parlor/1 roster".utf8)
    static let revokedLabel = Array("parlor/1 revoked".utf8)
    /// Epochs fit in 48 bits, as the SFrame KID keeps 16 bits for the sender slot.
    public static let maximumEpoch: UInt64 = (1 << 48) - 1
    public static let encodedLength = 8 + 32 + 32 + 4 + 32 + 32 + 64
    /// The most revoked grants a statement lists: 48 signatures (3 KiB) leave a `key_delivery`
    /// of 100 sealed secrets under its 16 KiB padding bucket.
    public static let maximumRevoked = 48

    public let epoch: UInt64
    public let commitment: [UInt8]
    public let rosterDigest: [UInt8]
    public let holders: UInt32
    public let revokedDigest: [UInt8]
    public let signerKey: [UInt8]
    public let signature: [UInt8]

    /// Signs a statement for `secret` sealed to `recipients` (member key, box key), signer included,
    /// listing `revoked`, the signatures of grants the signer saw revoked (at most `maximumRevoked`).
    public init(roomID: [UInt8], epoch: UInt64, secret: [UInt8], recipients: [(memberKey: [UInt8], boxKey: [UInt8])],
                revoked: [[UInt8]] = [], signer: Ed25519SigningKey) throws(CryptoError) {
        guard epoch <= Self.maximumEpoch else { throw CryptoError.badEpochStatement("epoch \(epoch) is above 2^48 - 1") }
        self.epoch = epoch
        commitment = try RoomKeys.commitment(epochSecret: secret)
        rosterDigest = try Self.rosterDigest(recipients)
        holders = UInt32(clamping: recipients.count)
        revokedDigest = try Self.revokedDigest(revoked)
        signerKey = signer.publicKey
        signature = signer.sign(Self.signedBytes(roomID: roomID, epoch: epoch, commitment: commitment, rosterDigest: rosterDigest,
                                                 holders: holders, revokedDigest: revokedDigest, signerKey: signerKey))
    }

    /// Parses the wire form (it does not verify: call `verify`).
    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.encodedLength else {
            throw CryptoError.invalidLength(what: "epoch statement", expected: Self.encodedLength, got: bytes.count)
        }
        epoch = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard epoch <= Self.maximumEpoch else { throw CryptoError.badEpochStatement("epoch \(epoch) is above 2^48 - 1") }
        commitment = Array(bytes[8..<40])
        rosterDigest = Array(bytes[40..<72])
        holders = bytes[72..<76].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        revokedDigest = Array(bytes[76..<108])
        signerKey = Array(bytes[108..<140])
        signature = Array(bytes[140..<204])
    }

    public var encoded: [UInt8] {
        Self.bigEndian(epoch, 8) + commitment + rosterDigest + Self.bigEndian(UInt64(holders), 4) + revokedDigest + signerKey + signature
    }

    /// Checks that the room's authority signed this: the host key itself, or a moderator whose
    /// `authority` grant (role moderator, for the signer, by the host key, unexpired at `now`) says so.
    public func verify(roomID: [UInt8], hostKey: [UInt8], authority: Grant?, now: UInt64) throws(CryptoError) {
        let message = Self.signedBytes(roomID: roomID, epoch: epoch, commitment: commitment, rosterDigest: rosterDigest,
                                       holders: holders, revokedDigest: revokedDigest, signerKey: signerKey)
        guard Ed25519SigningKey.verify(signature, of: message, publicKey: signerKey) else { throw CryptoError.badSignature }
        guard signerKey != hostKey else { return }
        guard let authority else { throw CryptoError.badEpochStatement("signed by a key that is not the host's, with no moderator grant") }
        guard authority.memberKey == signerKey, authority.role == .moderator else {
            throw CryptoError.badEpochStatement("the signer's grant is not a moderator grant for the signer")
        }
        try authority.verify(roomID: roomID, signer: hostKey, now: now)
    }

    /// Whether `secret` is the one this statement commits to.
    public func commits(to secret: [UInt8]) -> Bool {
        (try? RoomKeys.commitment(epochSecret: secret)) == commitment
    }

    /// BLAKE2b-256 of `"parlor/1 roster"` and every (member key ‖ box key), sorted bytewise.
    public static func rosterDigest(_ members: [(memberKey: [UInt8], boxKey: [UInt8])]) throws(CryptoError) -> [UInt8] {
        let entries = members.map { $0.memberKey + $0.boxKey }.sorted { $0.lexicographicallyPrecedes($1) }
        return try BLAKE2b.hash(rosterLabel + entries.flatMap { $0 }, outputLength: 32)
    }

    /// Whether `revoked`, the grant signatures a `key_delivery` lists, are those this statement lists.
    public func lists(revoked: [[UInt8]]) -> Bool {
        (try? Self.revokedDigest(revoked)) == revokedDigest
    }

    /// BLAKE2b-256 of `"parlor/1 revoked"` and every grant signature, sorted bytewise; throws when
    /// there are more than `maximumRevoked` or one is not 64 bytes.
    public static func revokedDigest(_ signatures: [[UInt8]]) throws(CryptoError) -> [UInt8] {
        guard signatures.count <= maximumRevoked else { throw CryptoError.badEpochStatement("\(signatures.count) revoked grants listed, above \(maximumRevoked)") }
        guard signatures.allSatisfy({ $0.count == Ed25519SigningKey.signatureLength }) else {
            throw CryptoError.badEpochStatement("a revoked grant's signature is not \(Ed25519SigningKey.signatureLength) bytes")
        }
        return try BLAKE2b.hash(revokedLabel + signatures.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 }, outputLength: 32)
    }

    static func signedBytes(roomID: [UInt8], epoch: UInt64, commitment: [UInt8], rosterDigest: [UInt8], holders: UInt32,
                            revokedDigest: [UInt8], signerKey: [UInt8]) -> [UInt8] {
        label + roomID + bigEndian(epoch, 8) + commitment + rosterDigest + bigEndian(UInt64(holders), 4) + revokedDigest + signerKey
    }

    private static func bigEndian(_ value: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
