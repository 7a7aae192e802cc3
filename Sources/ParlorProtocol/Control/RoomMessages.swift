import ParlorCrypto

/// Registers a new room with the relay under its id (which the host key names: `RoomKeys.roomID`)
/// and the host's Ed25519 key, with the host's charter of the links that admit members.
/// The host then joins it like any member.
public struct CreateRoom: TLVRecord {
    public var roomID: [UInt8]
    public var hostKey: [UInt8]
    /// Whether the relay lists the room in its directory.
    public var listed: Bool
    /// The title shown in the directory (a `MetadataBox` blob under the directory key).
    public var directoryTitle: [UInt8]?
    public var charter: RoomCharter

    public init(roomID: [UInt8], hostKey: [UInt8], listed: Bool = false, directoryTitle: [UInt8]? = nil, charter: RoomCharter) {
        self.roomID = roomID
        self.hostKey = hostKey
        self.listed = listed
        self.directoryTitle = directoryTitle
        self.charter = charter
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        roomID = try fields.key(1, "room_id")
        hostKey = try fields.key(2, "host_key")
        listed = try fields.flag(3, "listed")
        directoryTitle = try fields.optionalBytes(4, "directory_title")
        charter = try fields.charter(5, "charter")
    }

    public func write(to writer: inout TLVWriter) {
        writer.bytes(1, roomID)
        writer.bytes(2, hostKey)
        writer.flag(3, listed)
        writer.optionalBytes(4, directoryTitle)
        writer.bytes(5, charter.encoded)
    }
}

/// The host replaces the room's charter (after a ban, with the banned member's link replaced).
public struct CharterUpdate: TLVRecord {
    public var charter: RoomCharter
    public init(charter: RoomCharter) { self.charter = charter }
    public init(fields: TLVFields) throws(ParlorProtocolError) { charter = try fields.charter(1, "charter") }
    public func write(to writer: inout TLVWriter) { writer.bytes(1, charter.encoded) }
}

/// Joins a room with a fresh per-room member key. `proof` is the member key's Ed25519 signature
/// over `"parlor/1 join" ‖ handshake hash(64) ‖ room id ‖ member key ‖ box key`, which binds the
/// join to this Noise session so it cannot be replayed in another.
public struct Join: TLVRecord {
    /// The proof's domain-separation prefix.
    public static let proofLabel = Array("parlor/1 join".utf8)

    public var roomID: [UInt8]
    /// Ed25519 public key, the member's identity in this room.
    public var memberKey: [UInt8]
    /// X25519 public key that epoch secrets are sealed to.
    public var boxKey: [UInt8]
    /// A grant for a role above the link's, if the member has one (a moderator's invitation).
    public var grant: Grant?
    public var proof: [UInt8]
    /// The member's sealed display name.
    public var profile: [UInt8]?
    /// Why the member may hold the room's keys (the link that admitted it, its box key's binding).
    public var credential: MemberCredential

    public init(roomID: [UInt8], memberKey: [UInt8], boxKey: [UInt8], grant: Grant? = nil, proof: [UInt8], profile: [UInt8]? = nil,
                credential: MemberCredential) {
        self.roomID = roomID
        self.memberKey = memberKey
        self.boxKey = boxKey
        self.grant = grant
        self.proof = proof
        self.profile = profile
        self.credential = credential
    }

    /// A join signed by `signingKey` for the session with `handshakeHash`, admitted by `link`
    /// (nil for the host).
    public init(roomID: [UInt8], signingKey: Ed25519SigningKey, boxKey: [UInt8], grant: Grant? = nil,
                handshakeHash: [UInt8], profile: [UInt8]? = nil, link: InviteLink.Admission?) {
        let message = Self.proofMessage(handshakeHash: handshakeHash, roomID: roomID, memberKey: signingKey.publicKey, boxKey: boxKey)
        let credential = MemberCredential(roomID: roomID, memberKey: signingKey, boxKey: boxKey,
                                          link: link.map { ($0.linkKey, $0.grant) })
        self.init(roomID: roomID, memberKey: signingKey.publicKey, boxKey: boxKey, grant: grant,
                  proof: signingKey.sign(message), profile: profile, credential: credential)
    }

    /// What `proof` signs.
    public static func proofMessage(handshakeHash: [UInt8], roomID: [UInt8], memberKey: [UInt8], boxKey: [UInt8]) -> [UInt8] {
        proofLabel + handshakeHash + roomID + memberKey + boxKey
    }

    /// Whether `proof` verifies for the session with `handshakeHash`.
    public func hasValidProof(handshakeHash: [UInt8]) -> Bool {
        Ed25519SigningKey.verify(proof, of: Self.proofMessage(handshakeHash: handshakeHash, roomID: roomID, memberKey: memberKey, boxKey: boxKey),
                                 publicKey: memberKey)
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        roomID = try fields.key(1, "room_id")
        memberKey = try fields.key(2, "member_key")
        boxKey = try fields.key(3, "box_key")
        grant = try fields.optionalGrant(4, "grant")
        proof = try fields.bytes(5, "proof", length: Ed25519SigningKey.signatureLength)
        profile = try fields.optionalBytes(6, "profile")
        credential = try fields.credential(7, "credential")
    }

    public func write(to writer: inout TLVWriter) {
        writer.bytes(1, roomID)
        writer.bytes(2, memberKey)
        writer.bytes(3, boxKey)
        writer.optionalBytes(4, grant?.encoded)
        writer.bytes(5, proof)
        writer.optionalBytes(6, profile)
        writer.bytes(7, credential.encoded)
    }
}

/// One member as the roster shows it.
public struct MemberEntry: TLVRecord {
    public var memberKey: [UInt8]
    public var boxKey: [UInt8]
    public var role: Role
    /// The relay-assigned slot whose media carries this member's audio.
    public var senderSlot: UInt16
    public var profile: [UInt8]?
    /// The credential the member joined with, passed on unchanged: keepers check it before they
    /// seal anything to `boxKey`.
    public var credential: MemberCredential
    /// The grants behind a role the credential does not give (one presented after an
    /// invitation, or a moderator's): members check the role against it.
    public var roleProof: RoleProof?

    public init(memberKey: [UInt8], boxKey: [UInt8], role: Role, senderSlot: UInt16, profile: [UInt8]? = nil,
                credential: MemberCredential, roleProof: RoleProof? = nil) {
        self.memberKey = memberKey
        self.boxKey = boxKey
        self.role = role
        self.senderSlot = senderSlot
        self.profile = profile
        self.credential = credential
        self.roleProof = roleProof
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        memberKey = try fields.key(1, "member_key")
        boxKey = try fields.key(2, "box_key")
        role = try fields.role(3, "role")
        senderSlot = UInt16(try fields.integer(4, "sender_slot", maximum: UInt64(UInt16.max)))
        profile = try fields.optionalBytes(5, "profile")
        credential = try fields.credential(6, "credential")
        roleProof = try fields.optionalRoleProof(7, "role_proof")
    }

    public func write(to writer: inout TLVWriter) {
        writer.bytes(1, memberKey)
        writer.bytes(2, boxKey)
        writer.integer(3, UInt64(role.rawValue))
        writer.integer(4, UInt64(senderSlot))
        writer.optionalBytes(5, profile)
        writer.bytes(6, credential.encoded)
        writer.optionalBytes(7, roleProof?.encoded)
    }
}

/// The relay's answer to a join: the member's place in the room and who else is there.
public struct Joined: TLVRecord {
    /// A number the relay gives this member, unique in the room while it stays.
    public var memberIndex: UInt32
    public var senderSlot: UInt16
    public var role: Role
    /// The room's current epoch.
    public var epoch: UInt64
    public var roster: [MemberEntry]
    /// The room's charter as the host last signed it.
    public var charter: RoomCharter?

    public init(memberIndex: UInt32, senderSlot: UInt16, role: Role, epoch: UInt64, roster: [MemberEntry], charter: RoomCharter? = nil) {
        self.memberIndex = memberIndex
        self.senderSlot = senderSlot
        self.role = role
        self.epoch = epoch
        self.roster = roster
        self.charter = charter
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        memberIndex = UInt32(try fields.integer(1, "member_index", maximum: UInt64(UInt32.max)))
        senderSlot = UInt16(try fields.integer(2, "sender_slot", maximum: UInt64(UInt16.max)))
        role = try fields.role(3, "role")
        epoch = try fields.integer(4, "epoch", maximum: KeyDelivery.maximumEpoch)
        roster = try fields.records(5, "roster", as: MemberEntry.self)
        charter = try fields.optionalCharter(6, "charter")
    }

    public func write(to writer: inout TLVWriter) {
        writer.integer(1, UInt64(memberIndex))
        writer.integer(2, UInt64(senderSlot))
        writer.integer(3, UInt64(role.rawValue))
        writer.integer(4, epoch)
        for entry in roster { writer.record(5, entry) }
        writer.optionalBytes(6, charter?.encoded)
    }
}

/// Someone joined the room.
public struct MemberJoined: TLVRecord {
    public var member: MemberEntry
    public init(member: MemberEntry) { self.member = member }
    public init(fields: TLVFields) throws(ParlorProtocolError) {
        member = try MemberEntry.decodeRecord(try fields.bytes(1, "member"), context: "member_joined.member")
    }
    public func write(to writer: inout TLVWriter) { writer.record(1, member) }
}

/// Someone left (or was removed from) the room.
public struct MemberLeft: TLVRecord {
    public var memberKey: [UInt8]
    public init(memberKey: [UInt8]) { self.memberKey = memberKey }
    public init(fields: TLVFields) throws(ParlorProtocolError) { memberKey = try fields.key(1, "member_key") }
    public func write(to writer: inout TLVWriter) { writer.bytes(1, memberKey) }
}
