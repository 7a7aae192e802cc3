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

/// The relay announces a member's new role.
public struct RoleChanged: TLVRecord {
    public var memberKey: [UInt8]
    public var role: Role
    public init(memberKey: [UInt8], role: Role) {
        self.memberKey = memberKey
        self.role = role
    }
    public init(fields: TLVFields) throws(ParlorProtocolError) {
        memberKey = try fields.key(1, "member_key")
        role = try fields.role(2, "role")
    }
    public func write(to writer: inout TLVWriter) {
        writer.bytes(1, memberKey)
        writer.integer(2, UInt64(role.rawValue))
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

/// A moderator's action. Sent by a moderator; delivered by the relay to the target (and, for
/// `endRoom`, to everyone) with the actor's key added. `mute` of one's own key and `unmute`
/// (only ever of one's own key) are a stage member's own microphone, announced to everyone.
public struct Moderation: TLVRecord {
    public enum Action: UInt8, Sendable, CaseIterable {
        case mute = 0
        case moveToAudience = 1
        case remove = 2
        case ban = 3
        case endRoom = 4
        /// A stage member unmutes itself; nobody can unmute someone else.
        case unmute = 5
    }

    public var action: Action
    /// The member acted on; absent only for `endRoom`.
    public var target: [UInt8]?
    /// Who acted, filled in by the relay.
    public var actor: [UInt8]?

    public init(action: Action, target: [UInt8]?, actor: [UInt8]? = nil) {
        self.action = action
        self.target = target
        self.actor = actor
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        let number = try fields.integer(1, "action", maximum: UInt64(UInt8.max))
        guard let action = Action(rawValue: UInt8(number)) else {
            throw ParlorProtocolError.invalidField(message: fields.context, field: "action", reason: "unknown action \(number)")
        }
        self.action = action
        target = try fields.optionalKey(2, "target")
        actor = try fields.optionalKey(3, "actor")
        guard target != nil || action == .endRoom else {
            throw ParlorProtocolError.missingField(message: fields.context, field: "target")
        }
    }

    public func write(to writer: inout TLVWriter) {
        writer.integer(1, UInt64(action.rawValue))
        writer.optionalBytes(2, target)
        writer.optionalBytes(3, actor)
    }
}
