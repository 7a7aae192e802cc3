import ParlorCrypto

/// A member's sealed display name: sent by the member (`profile_set`), delivered by the relay
/// to everyone else with the member key added (`profile_delivery`).
public struct Profile: TLVRecord {
    /// Whose profile; absent when a member sets its own.
    public var memberKey: [UInt8]?
    public var blob: [UInt8]

    public init(memberKey: [UInt8]? = nil, blob: [UInt8]) {
        self.memberKey = memberKey
        self.blob = blob
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        memberKey = try fields.optionalKey(1, "member_key")
        blob = try fields.bytes(2, "blob")
    }

    public func write(to writer: inout TLVWriter) {
        writer.optionalBytes(1, memberKey)
        writer.bytes(2, blob)
    }
}

/// Presents a grant (a role change signed by the host or a moderator) to the relay.
public struct GrantPresent: TLVRecord {
    public var grant: Grant
    public init(grant: Grant) { self.grant = grant }
    public init(fields: TLVFields) throws(ParlorProtocolError) { grant = try fields.grant(1, "grant") }
    public func write(to writer: inout TLVWriter) { writer.bytes(1, grant.encoded) }
}

/// The relay announces a member's new role, with the grants behind it when it is raised by one.
public struct RoleChanged: TLVRecord {
    public var memberKey: [UInt8]
    public var role: Role
    /// The grants the new role rests on (docs/PROTOCOL.md §7.2); members check a raised role against it.
    public var roleProof: RoleProof?
    public init(memberKey: [UInt8], role: Role, roleProof: RoleProof? = nil) {
        self.memberKey = memberKey
        self.role = role
        self.roleProof = roleProof
    }
    public init(fields: TLVFields) throws(ParlorProtocolError) {
        memberKey = try fields.key(1, "member_key")
        role = try fields.role(2, "role")
        roleProof = try fields.optionalRoleProof(3, "role_proof")
    }
    public func write(to writer: inout TLVWriter) {
        writer.bytes(1, memberKey)
        writer.integer(2, UInt64(role.rawValue))
        writer.optionalBytes(3, roleProof?.encoded)
    }
}

/// Lowers a hand: the member's own (no key) or, from a moderator, someone else's.
public struct HandLower: TLVRecord {
    public var memberKey: [UInt8]?
    public init(memberKey: [UInt8]? = nil) { self.memberKey = memberKey }
    public init(fields: TLVFields) throws(ParlorProtocolError) { memberKey = try fields.optionalKey(1, "member_key") }
    public func write(to writer: inout TLVWriter) { writer.optionalBytes(1, memberKey) }
}

/// The relay tells moderators that a hand went up or down.
public struct HandUpdate: TLVRecord {
    public var memberKey: [UInt8]
    public var raised: Bool
    public init(memberKey: [UInt8], raised: Bool) {
        self.memberKey = memberKey
        self.raised = raised
    }
    public init(fields: TLVFields) throws(ParlorProtocolError) {
        memberKey = try fields.key(1, "member_key")
        raised = try fields.flag(2, "raised")
    }
    public func write(to writer: inout TLVWriter) {
        writer.bytes(1, memberKey)
        writer.flag(2, raised)
    }
}

/// A moderator's action (the `ModerationAction`s whose wire is `.moderation`), or a stage member's
/// own microphone. Sent by a moderator; delivered by the relay to the target (and, for `endRoom`,
/// to everyone) with the actor's key added. `mute` of one's own key and `unmuteOwn` (only ever of
/// one's own key) are a stage member's own microphone, announced to everyone.
public struct Moderation: TLVRecord {
    /// What the message does.
    public enum Act: Sendable, Equatable {
        /// A moderator's action (the table's `.moderation` code); `mute` of one's own key is also
        /// a stage member muting itself.
        case action(ModerationAction)
        /// A stage member unmutes itself; nobody can unmute someone else.
        case unmuteOwn
    }

    /// The code of `unmuteOwn`; every other code is a `ModerationAction`'s.
    public static let unmuteOwnCode: UInt8 = 5

    public var act: Act
    /// The member acted on; absent only for actions on the room.
    public var target: [UInt8]?
    /// Who acted, filled in by the relay.
    public var actor: [UInt8]?

    public init(_ act: Act, target: [UInt8]?, actor: [UInt8]? = nil) {
        self.act = act
        self.target = target
        self.actor = actor
    }

    /// The code on the wire.
    public var code: UInt8 {
        switch act {
        case .unmuteOwn: return Self.unmuteOwnCode
        case .action(let action):
            guard case .moderation(let code) = action.rule.wire else {
                preconditionFailure("\(action) does not travel as a moderation message")
            }
            return code
        }
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        let number = try fields.integer(1, "action", maximum: UInt64(UInt8.max))
        if UInt8(number) == Self.unmuteOwnCode {
            act = .unmuteOwn
        } else if let action = ModerationAction(moderationCode: UInt8(number)) {
            act = .action(action)
        } else {
            throw ParlorProtocolError.invalidField(message: fields.context, field: "action", reason: "unknown action \(number)")
        }
        target = try fields.optionalKey(2, "target")
        actor = try fields.optionalKey(3, "actor")
        let onTheRoom = if case .action(let action) = act { action.rule.whom == .room } else { false }
        guard target != nil || onTheRoom else {
            throw ParlorProtocolError.missingField(message: fields.context, field: "target")
        }
    }

    public func write(to writer: inout TLVWriter) {
        writer.integer(1, UInt64(code))
        writer.optionalBytes(2, target)
        writer.optionalBytes(3, actor)
    }
}
