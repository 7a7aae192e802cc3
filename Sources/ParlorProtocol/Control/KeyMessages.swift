import ParlorCrypto

/// One member's copy of an epoch secret, sealed to its box key (`crypto_box_seal`).
public struct SealedEpochSecret: TLVRecord {
    /// 32-byte secret plus the sealed box's 48 bytes.
    public static let sealedLength = RoomKeys.secretLength + SealedBox.overhead

    public var memberKey: [UInt8]
    public var sealedSecret: [UInt8]

    public init(memberKey: [UInt8], sealedSecret: [UInt8]) {
        self.memberKey = memberKey
        self.sealedSecret = sealedSecret
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        memberKey = try fields.key(1, "member_key")
        sealedSecret = try fields.bytes(2, "sealed_secret", length: Self.sealedLength)
    }

    public func write(to writer: inout TLVWriter) {
        writer.bytes(1, memberKey)
        writer.bytes(2, sealedSecret)
    }
}

/// The room's keeper hands out an epoch: its secret, sealed to each member, and the signed
/// statement that vouches for it. The relay passes each member the statement and the entry for
/// its key only.
public struct KeyDelivery: TLVRecord {
    /// Epochs fit in 48 bits, as the SFrame KID keeps 16 bits for the sender slot.
    public static let maximumEpoch = EpochStatement.maximumEpoch

    public var epoch: UInt64
    public var secrets: [SealedEpochSecret]
    public var statement: EpochStatement
    /// The keeper's moderator grant from the host, when the keeper is not the host.
    public var authority: Grant?
    /// Signatures of the grants the keeper saw revoked, which the statement lists (field 5:
    /// 64-byte signatures one after another; absent when none).
    public var revoked: [[UInt8]]

    public init(epoch: UInt64, secrets: [SealedEpochSecret], statement: EpochStatement, authority: Grant? = nil, revoked: [[UInt8]] = []) {
        self.epoch = epoch
        self.secrets = secrets
        self.statement = statement
        self.authority = authority
        self.revoked = revoked
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        epoch = try fields.integer(1, "epoch", maximum: Self.maximumEpoch)
        secrets = try fields.records(2, "secrets", as: SealedEpochSecret.self)
        statement = try fields.statement(3, "statement")
        authority = try fields.optionalGrant(4, "authority")
        revoked = try fields.signatures(5, "revoked", maximum: EpochStatement.maximumRevoked)
    }

    public func write(to writer: inout TLVWriter) {
        writer.integer(1, epoch)
        for secret in secrets { writer.record(2, secret) }
        writer.bytes(3, statement.encoded)
        writer.optionalBytes(4, authority?.encoded)
        writer.optionalBytes(5, revoked.isEmpty ? nil : revoked.flatMap { $0 })
    }
}

/// Announces the receiver index the sender wants on media datagrams addressed to it, and
/// (from the relay) the UDP port to send them to.
public struct MediaSetup: TLVRecord {
    public var receiverIndex: UInt32
    /// The relay's UDP port, if it differs from its TCP port.
    public var udpPort: UInt16?

    public init(receiverIndex: UInt32, udpPort: UInt16? = nil) {
        self.receiverIndex = receiverIndex
        self.udpPort = udpPort
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        receiverIndex = UInt32(try fields.integer(1, "receiver_index", maximum: UInt64(UInt32.max)))
        udpPort = try fields.optionalInteger(2, "udp_port", maximum: UInt64(UInt16.max)).map { UInt16($0) }
    }

    public func write(to writer: inout TLVWriter) {
        writer.integer(1, UInt64(receiverIndex))
        writer.optionalInteger(2, udpPort.map { UInt64($0) })
    }
}

/// One media payload (`MediaPayload` bytes) carried over the control session when UDP is blocked.
public struct MediaOverTCP: TLVRecord {
    public var payload: [UInt8]
    public init(payload: [UInt8]) { self.payload = payload }
    public init(fields: TLVFields) throws(ParlorProtocolError) { payload = try fields.bytes(1, "payload") }
    public func write(to writer: inout TLVWriter) { writer.bytes(1, payload) }
}

/// A listed room in the relay's directory.
public struct DirectoryEntry: TLVRecord {
    public var roomID: [UInt8]
    public var title: [UInt8]
    public var listenerCount: UInt32

    public init(roomID: [UInt8], title: [UInt8], listenerCount: UInt32) {
        self.roomID = roomID
        self.title = title
        self.listenerCount = listenerCount
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        roomID = try fields.key(1, "room_id")
        title = try fields.bytes(2, "title")
        listenerCount = UInt32(try fields.integer(3, "listener_count", maximum: UInt64(UInt32.max)))
    }

    public func write(to writer: inout TLVWriter) {
        writer.bytes(1, roomID)
        writer.bytes(2, title)
        writer.integer(3, UInt64(listenerCount))
    }
}

/// The relay's list of rooms that opted in to be listed.
public struct DirectoryListing: TLVRecord {
    public var rooms: [DirectoryEntry]
    public init(rooms: [DirectoryEntry]) { self.rooms = rooms }
    public init(fields: TLVFields) throws(ParlorProtocolError) { rooms = try fields.records(1, "rooms", as: DirectoryEntry.self) }
    public func write(to writer: inout TLVWriter) { for room in rooms { writer.record(1, room) } }
}
