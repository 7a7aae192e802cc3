import ParlorCrypto

/// The SFrame keys a client holds: one per (epoch, stage member), derived from the epoch secret,
/// the member's slot and its box key (docs/PROTOCOL.md §7.1). `prepare` derives the keys a roster
/// wants (off the media loop), `install` puts in what is new and removes what is gone, leaving
/// existing keys (and their counters and replay windows) alone.
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
    fileprivate struct Source: Equatable {
        let sender: Sender
        let secret: [UInt8]
    }

    private(set) var context: SFrameContext
    private var installed: [UInt64: Source] = [:]

    init(suite: SFrameSuite) throws {
        context = try SFrameContext(suite: suite)
    }

    /// The keys an `update` would install, derived (HKDF, no state touched): `prepare` runs
    /// outside the media loop's lock, `install` inside it does no cryptography.
    struct Prepared {
        fileprivate let wanted: [UInt64: (source: Source, key: SFrameKey)]
        fileprivate let epochs: Set<UInt64>
    }

    /// Derives the key of every (epoch, sender) pair; a pair whose key cannot be derived (a
    /// malformed secret or box key) is left out.
    static func prepare(secrets: [UInt64: [UInt8]], senders: [Sender], suite: SFrameSuite) -> Prepared {
        var wanted: [UInt64: (source: Source, key: SFrameKey)] = [:]
        for (epoch, secret) in secrets {
            for sender in senders {
                let keyID = SFrameContext.keyID(epoch: epoch, senderSlot: sender.slot)
                guard let base = try? RoomKeys.senderKey(epochSecret: secret, senderSlot: sender.slot, boxKey: sender.boxKey),
                      let key = try? SFrameKey(baseKey: base, keyID: keyID, suite: suite) else { continue }
                wanted[keyID] = (Source(sender: sender, secret: secret), key)
            }
        }
        return Prepared(wanted: wanted, epochs: Set(secrets.keys))
    }

    /// Installs what is new in `prepared` and removes what is gone (see the type's note).
    mutating func install(_ prepared: Prepared) {
        for (keyID, source) in installed where prepared.wanted[keyID]?.source != source {
            context.removeKey(keyID: keyID)
            installed[keyID] = nil
        }
        context.forgetEpochs(keeping: prepared.epochs)
        for (keyID, wanted) in prepared.wanted where installed[keyID] == nil {
            context.setKey(wanted.key, keyID: keyID)
            installed[keyID] = wanted.source
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
