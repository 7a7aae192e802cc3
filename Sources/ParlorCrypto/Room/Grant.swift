/// A signed statement that a member key holds a role in a room until an expiry:
/// Ed25519 over `"parlor/1 grant" ‖ room id(32) ‖ member key(32) ‖ role(1) ‖ expiry(8, BE)`.
/// The host signs grants; a moderator may sign speaker grants (the relay checks who may sign what).
public struct Grant: Sendable, Equatable {
    /// The signature's domain-separation prefix.
    public static let label = Array("parlor/1 grant".utf8)
    /// Bytes of the wire form: room id, member key, role, expiry, signer key, signature.
    public static let encodedLength = 32 + 32 + 1 + 8 + 32 + 64

    public let roomID: [UInt8]
    public let memberKey: [UInt8]
    public let role: Role
    /// Unix seconds after which the grant no longer holds.
    public let expiry: UInt64
    /// The Ed25519 key that signed it.
    public let signerKey: [UInt8]
    public let signature: [UInt8]

    /// Signs a new grant with `signer`.
    public init(roomID: [UInt8], memberKey: [UInt8], role: Role, expiry: UInt64, signer: Ed25519SigningKey) throws(CryptoError) {
        try Self.checkLength(roomID, "room id")
        try Self.checkLength(memberKey, "member key")
        self.roomID = roomID
        self.memberKey = memberKey
        self.role = role
        self.expiry = expiry
        signerKey = signer.publicKey
        signature = signer.sign(Self.signedBytes(roomID: roomID, memberKey: memberKey, role: role, expiry: expiry))
    }

    /// Parses the wire form (it does not verify: call `verify`).
    public init(encoded bytes: some Collection<UInt8>) throws(CryptoError) {
        let data = Array(bytes)
        guard data.count == Self.encodedLength else {
            throw CryptoError.invalidLength(what: "grant", expected: Self.encodedLength, got: data.count)
        }
        roomID = Array(data[0..<32])
        memberKey = Array(data[32..<64])
        role = try Role(byte: data[64])
        expiry = data[65..<73].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        signerKey = Array(data[73..<105])
        signature = Array(data[105..<169])
    }

    /// Builds a grant from its parts and a signature made elsewhere (an invite link carries them).
    public init(roomID: [UInt8], memberKey: [UInt8], role: Role, expiry: UInt64, signerKey: [UInt8], signature: [UInt8]) throws(CryptoError) {
        try Self.checkLength(roomID, "room id")
        try Self.checkLength(memberKey, "member key")
        try Self.checkLength(signerKey, "signer key")
        guard signature.count == Ed25519SigningKey.signatureLength else {
            throw CryptoError.invalidLength(what: "signature", expected: Ed25519SigningKey.signatureLength, got: signature.count)
        }
        self.roomID = roomID
        self.memberKey = memberKey
        self.role = role
        self.expiry = expiry
        self.signerKey = signerKey
        self.signature = signature
    }

    /// The wire form: `room id ‖ member key ‖ role ‖ expiry(8, BE) ‖ signer key ‖ signature` (169 bytes).
    public var encoded: [UInt8] {
        roomID + memberKey + [role.rawValue] + Self.expiryBytes(expiry) + signerKey + signature
    }

    /// Whether the signature verifies under the signer key carried in the grant.
    public var hasValidSignature: Bool {
        Ed25519SigningKey.verify(signature, of: Self.signedBytes(roomID: roomID, memberKey: memberKey, role: role, expiry: expiry),
                                 publicKey: signerKey)
    }

    /// Checks the signature, that the grant is for `roomID`, that `signer` signed it, and that it
    /// has not expired at `now` (Unix seconds, from an injected clock).
    public func verify(roomID expectedRoom: [UInt8], signer: [UInt8], now: UInt64) throws(CryptoError) {
        guard signerKey == signer, hasValidSignature else { throw CryptoError.badSignature }
        guard roomID == expectedRoom else { throw CryptoError.grantForAnotherRoom }
        guard now < expiry else { throw CryptoError.grantExpired(expiry: expiry, now: now) }
    }

    /// The message the signature covers.
    public static func signedBytes(roomID: [UInt8], memberKey: [UInt8], role: Role, expiry: UInt64) -> [UInt8] {
        label + roomID + memberKey + [role.rawValue] + expiryBytes(expiry)
    }

    private static func expiryBytes(_ expiry: UInt64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: expiry >> (8 * $0)) }
    }

    private static func checkLength(_ key: [UInt8], _ what: String) throws(CryptoError) {
        guard key.count == 32 else { throw CryptoError.invalidLength(what: what, expected: 32, got: key.count) }
    }
}
