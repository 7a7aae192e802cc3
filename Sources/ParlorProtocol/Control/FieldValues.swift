import ParlorCrypto

/// Typed readers for the field values several messages share: 32-byte keys, roles, grants.
extension TLVFields {
    /// Length of room ids and of Ed25519 and X25519 public keys.
    static let keyLength = 32

    func key(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> [UInt8] {
        try bytes(tag, name, length: Self.keyLength)
    }

    func optionalKey(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> [UInt8]? {
        try optionalBytes(tag, name, length: Self.keyLength)
    }

    func role(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> Role {
        let number = try integer(tag, name, maximum: UInt64(UInt8.max))
        guard let role = Role(rawValue: UInt8(number)) else {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: "unknown role \(number)")
        }
        return role
    }

    func optionalGrant(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> Grant? {
        guard let value = try optionalBytes(tag, name, length: Grant.encodedLength) else { return nil }
        do {
            return try Grant(encoded: value)
        } catch {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: error.description)
        }
    }

    func grant(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> Grant {
        guard let grant = try optionalGrant(tag, name) else {
            throw ParlorProtocolError.missingField(message: context, field: name)
        }
        return grant
    }

    func optionalRoleProof(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> RoleProof? {
        guard let value = try optionalBytes(tag, name) else { return nil }
        do {
            return try RoleProof(encoded: value)
        } catch {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: error.description)
        }
    }

    /// Ed25519 signatures one after another, at most `maximum`; none when the field is absent.
    func signatures(_ tag: UInt8, _ name: String, maximum: Int) throws(ParlorProtocolError) -> [[UInt8]] {
        guard let value = try optionalBytes(tag, name) else { return [] }
        let length = Ed25519SigningKey.signatureLength
        guard !value.isEmpty, value.count % length == 0, value.count / length <= maximum else {
            throw ParlorProtocolError.invalidField(message: context, field: name,
                                                   reason: "\(value.count) bytes: not 1 to \(maximum) signatures of \(length) bytes")
        }
        return stride(from: 0, to: value.count, by: length).map { Array(value[$0..<$0 + length]) }
    }

    func records<Record: TLVRecord>(_ tag: UInt8, _ name: String, as _: Record.Type) throws(ParlorProtocolError) -> [Record] {
        var records: [Record] = []
        for value in repeated(tag) {
            records.append(try Record.decodeRecord(value, context: "\(context).\(name)"))
        }
        return records
    }
}

/// Readers for the signed room records (docs/PROTOCOL.md §7): parsed here, verified by whoever
/// trusts them.
extension TLVFields {
    func credential(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> MemberCredential {
        let value = try bytes(tag, name)
        do {
            return try MemberCredential(encoded: value)
        } catch {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: error.description)
        }
    }

    func optionalCharter(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> RoomCharter? {
        guard let value = try optionalBytes(tag, name) else { return nil }
        do {
            return try RoomCharter(encoded: value)
        } catch {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: error.description)
        }
    }

    func charter(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> RoomCharter {
        guard let charter = try optionalCharter(tag, name) else { throw ParlorProtocolError.missingField(message: context, field: name) }
        return charter
    }

    func statement(_ tag: UInt8, _ name: String) throws(ParlorProtocolError) -> EpochStatement {
        let value = try bytes(tag, name, length: EpochStatement.encodedLength)
        do {
            return try EpochStatement(encoded: value)
        } catch {
            throw ParlorProtocolError.invalidField(message: context, field: name, reason: error.description)
        }
    }
}
