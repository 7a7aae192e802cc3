import ParlorCrypto

/// The epoch secrets this client holds (docs/PROTOCOL.md §7.1), each with the statement of the
/// room's authority that vouched for it. Every secret is random and arrives sealed; none derives
/// from the link. The current epoch is the one this client sends under; the one before it is kept
/// so frames already in flight at a rekey still play, and older ones are forgotten so a long room
/// does not accumulate keys.
public struct EpochKeys: Sendable, Equatable {
    public private(set) var current: UInt64?
    public private(set) var secrets: [UInt64: [UInt8]] = [:]
    public private(set) var statements: [UInt64: EpochStatement] = [:]

    public init() {}

    public var currentSecret: [UInt8]? { current.flatMap { secrets[$0] } }
    public var currentStatement: EpochStatement? { current.flatMap { statements[$0] } }

    /// Installs a vouched-for secret; it becomes current when it is newer than the current one.
    /// Returns whether anything changed. (Which epochs may come is `RoomSession`'s rule.)
    @discardableResult
    public mutating func install(epoch: UInt64, secret: [UInt8], statement: EpochStatement) -> Bool {
        guard secrets[epoch] != secret || statements[epoch] != statement else { return false }
        if let current, epoch < current, epoch + 1 != current { return false }
        secrets[epoch] = secret
        statements[epoch] = statement
        if current.map({ epoch > $0 }) ?? true { current = epoch }
        let keep: Set<UInt64> = current! == 0 ? [0] : [current!, current! - 1]
        secrets = secrets.filter { keep.contains($0.key) }
        statements = statements.filter { keep.contains($0.key) }
        return true
    }
}
