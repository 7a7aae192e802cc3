import ParlorCrypto

/// The epoch secrets this client holds (docs/PROTOCOL.md §7.1). Epoch 0 derives from the room
/// secret; later ones arrive sealed. The current epoch is the one this client sends under; the
/// one before it is kept so frames already in flight at a rekey still play, and older ones are
/// forgotten so a long room does not accumulate keys.
public struct EpochKeys: Sendable, Equatable {
    public private(set) var current: UInt64?
    public private(set) var secrets: [UInt64: [UInt8]] = [:]

    public init() {}

    public var currentSecret: [UInt8]? { current.flatMap { secrets[$0] } }

    /// Installs a secret; it becomes current when it is newer than the current one. Returns
    /// whether anything changed.
    @discardableResult
    public mutating func install(epoch: UInt64, secret: [UInt8]) -> Bool {
        guard secrets[epoch] != secret else { return false }
        if let current, epoch < current, epoch + 1 != current { return false }
        secrets[epoch] = secret
        if current.map({ epoch > $0 }) ?? true { current = epoch }
        let keep = current! == 0 ? [0] : [current!, current! - 1]
        secrets = secrets.filter { keep.contains($0.key) }
        return true
    }
}
