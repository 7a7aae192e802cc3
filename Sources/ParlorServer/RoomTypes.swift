import ParlorCrypto

/// A control session on the relay: a number the relay gives each TCP connection. Never on the wire.
public struct SessionID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public static func < (a: SessionID, b: SessionID) -> Bool { a.value < b.value }
    public var description: String { "s\(value)" }
}

/// A 32-byte value the relay routes by: a room id (BLAKE2b of the host key, which the relay checks
/// at `create_room`) or a member's per-room Ed25519 public key.
public struct OpaqueKey: Hashable, Sendable {
    public let bytes: [UInt8]
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }
}

extension Role {
    /// On stage: may send media.
    public var isOnStage: Bool { self >= .speaker }
    /// May moderate (every `ModerationAction` needs a moderator) and sees the whole audience.
    public var canModerate: Bool { self >= .moderator }
}
