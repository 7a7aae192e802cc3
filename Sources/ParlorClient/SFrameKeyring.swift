import ParlorCrypto

/// The SFrame keys a client holds: one per (epoch, stage member), derived from the epoch secret,
/// the member's slot and its box key (docs/PROTOCOL.md §7.1). `update` installs what is new and
/// forgets what is gone, leaving existing keys (and their counters and replay windows) alone.
struct SFrameKeyring {
    /// A sender this client should be able to hear (or, for itself, to send as).
    struct Sender: Hashable {
        let slot: UInt16
        let boxKey: [UInt8]
    }

    private(set) var context: SFrameContext
    private var installed: [UInt64: Sender] = [:]

    init(suite: SFrameSuite) throws {
        context = try SFrameContext(suite: suite)
    }

    mutating func update(epochs: EpochKeys, senders: [Sender]) {
        var wanted: [UInt64: (Sender, [UInt8])] = [:]
        for (epoch, secret) in epochs.secrets {
            for sender in senders { wanted[SFrameContext.keyID(epoch: epoch, senderSlot: sender.slot)] = (sender, secret) }
        }
        for (keyID, sender) in installed where wanted[keyID]?.0 != sender {
            context.removeKey(keyID: keyID)
            installed[keyID] = nil
        }
        for (keyID, (sender, secret)) in wanted where installed[keyID] == nil {
            guard let base = try? RoomKeys.senderKey(epochSecret: secret, senderSlot: sender.slot, boxKey: sender.boxKey),
                  (try? context.setKey(base, keyID: keyID)) != nil else { continue }
            installed[keyID] = sender
        }
    }

    mutating func protect(_ frame: [UInt8], keyID: UInt64) throws -> [UInt8] {
        try context.protect(frame, keyID: keyID)
    }

    mutating func unprotect(_ frame: [UInt8]) throws -> (header: SFrameHeader, plaintext: [UInt8]) {
        try context.unprotect(frame)
    }
}
