import CSodium

/// BLAKE2b-256 over a batch's frames as `counter(8, BE) ‖ len(2, BE) ‖ opus` each, fed one frame
/// at a time, in order (docs/PROTOCOL.md §6.4). Its state is allocated once and reused.
final class BatchDigest {
    private let state: UnsafeMutableRawPointer
    private let prefix = UnsafeMutablePointer<UInt8>.allocate(capacity: FrameAuthentication.framePrefixLength)

    init() {
        _ = Sodium.initialize()
        state = UnsafeMutableRawPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
        reset()
    }

    deinit {
        state.deallocate()
        prefix.deallocate()
    }

    /// Starts a new batch.
    func reset() {
        csodium_generichash_init(state, FrameAuthentication.digestLength)
    }

    /// Adds one frame (at most 65535 bytes; longer frames never reach a batch).
    func add(counter: UInt64, opus: UnsafeBufferPointer<UInt8>) {
        FrameAuthentication.storeBigEndian(counter, width: 8, at: prefix)
        FrameAuthentication.storeBigEndian(UInt64(opus.count), width: 2, at: prefix + 8)
        csodium_generichash_update(state, prefix, UInt64(FrameAuthentication.framePrefixLength))
        if let base = opus.baseAddress, opus.count > 0 {
            csodium_generichash_update(state, base, UInt64(opus.count))
        }
    }

    /// Writes the 32-byte digest at `output` and starts a new batch.
    func finish(into output: UnsafeMutablePointer<UInt8>) {
        csodium_generichash_final(state, output, FrameAuthentication.digestLength)
        reset()
    }
}
