import ParlorCrypto

/// The SFrame keys a client holds: one per (epoch, stage member), derived from the epoch secret,
/// the member's slot and its box key (docs/PROTOCOL.md §7.1). `update` installs what is new and
/// removes what is gone, leaving existing keys (and their counters and replay windows) alone.
/// A key removed and installed again in an epoch still held resumes its counters (the context
/// remembers them), so roster churn — real or announced by a lying relay — never replays a
/// recorded frame nor restarts this client's own send counter (§6.4).
struct SFrameKeyring {
    /// A sender this client should be able to hear (or, for itself, to send as).
    struct Sender: Hashable {
        let slot: UInt16
        let boxKey: [UInt8]
    }

    /// What a key was derived from.
    private struct Source: Equatable {
        let sender: Sender
        let secret: [UInt8]
    }

    private(set) var context: SFrameContext
    private var installed: [UInt64: Source] = [:]

    init(suite: SFrameSuite) throws {
        context = try SFrameContext(suite: suite)
    }

    mutating func update(epochs: EpochKeys, senders: [Sender]) {
        update(secrets: epochs.secrets, senders: senders)
    }

    /// The same with the epoch secrets by epoch.
    mutating func update(secrets: [UInt64: [UInt8]], senders: [Sender]) {
        var wanted: [UInt64: Source] = [:]
        for (epoch, secret) in secrets {
            for sender in senders {
                wanted[SFrameContext.keyID(epoch: epoch, senderSlot: sender.slot)] = Source(sender: sender, secret: secret)
            }
        }
        for (keyID, source) in installed where wanted[keyID] != source {
            context.removeKey(keyID: keyID)
            installed[keyID] = nil
        }
        context.forgetEpochs(keeping: Set(secrets.keys))
        for (keyID, source) in wanted where installed[keyID] == nil {
            guard let base = try? RoomKeys.senderKey(epochSecret: source.secret, senderSlot: source.sender.slot,
                                                     boxKey: source.sender.boxKey),
                  (try? context.setKey(base, keyID: keyID)) != nil else { continue }
            installed[keyID] = source
        }
    }

    /// The counter the next frame sent under `keyID` will carry.
    func nextCounter(keyID: UInt64) throws -> UInt64 {
        try context.nextCounter(keyID: keyID)
    }

    /// Protects `frame` into `out` under `keyID` (`SFrameContext.protect(_:keyID:into:)`).
    mutating func protect(_ frame: UnsafeRawBufferPointer, keyID: UInt64,
                          into out: UnsafeMutableRawBufferPointer) -> Result<Int, CryptoError> {
        Result { () throws(CryptoError) in try context.protect(frame, keyID: keyID, into: out) }
    }

    /// Decrypts a frame in place (`SFrameContext.unprotect(in:)`).
    mutating func unprotect(in frame: UnsafeMutableRawBufferPointer) -> Result<(header: SFrameHeader, plaintext: Range<Int>), CryptoError> {
        Result { () throws(CryptoError) in try context.unprotect(in: frame) }
    }
}
