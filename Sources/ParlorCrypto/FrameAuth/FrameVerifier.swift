import CSodium

/// A listener's side of frame signatures for one KID (docs/PROTOCOL.md §6.4). Frames go in as
/// they arrive (and play at once); a batch is checked as soon as its four frames and the four
/// chunks of its signature (from the next batch's frames) are all held. Outcomes:
///
/// - **verified**: the signature holds under the speaker's member key;
/// - **unverifiable**: the batch left the ring with a piece missing (loss; neutral);
/// - **forged**: every piece came and the signature does not hold. `isTrusted` turns false and
///   stays so until a later batch verifies.
///
/// The ring holds `ringBatches` batches, so pieces up to that many batches late still count.
/// Everything is allocated in `init`.
public final class FrameVerifier {
    /// What became of batches, in one call or in all.
    public struct Resolutions: Sendable, Equatable {
        public var verified = 0
        public var unverifiable = 0
        public var forged = 0

        public init(verified: Int = 0, unverifiable: Int = 0, forged: Int = 0) {
            self.verified = verified
            self.unverifiable = unverifiable
            self.forged = forged
        }
    }

    /// Batches kept while their pieces arrive (320 ms of 20 ms frames).
    public static let ringBatches = 4
    static let frames = FrameAuthentication.framesPerBatch
    static let signatureLength = Ed25519SigningKey.signatureLength

    public let keyID: UInt64
    private let publicKey: [UInt8]
    private let digest = BatchDigest()
    private let message = UnsafeMutablePointer<UInt8>.allocate(capacity: FrameAuthentication.messageLength)
    private let frameBytes: UnsafeMutablePointer<UInt8>
    private let signatures: UnsafeMutablePointer<UInt8>
    private var slotBatch = [UInt64](repeating: 0, count: ringBatches)
    private var slotInUse = [Bool](repeating: false, count: ringBatches)
    private var slotResolved = [Bool](repeating: false, count: ringBatches)
    private var frameLength = [Int](repeating: 0, count: ringBatches * frames)
    private var framePresent = [Bool](repeating: false, count: ringBatches * frames)
    private var chunkPresent = [Bool](repeating: false, count: ringBatches * frames)

    /// Every batch resolved so far.
    public private(set) var totals = Resolutions()
    public private(set) var lastVerifiedBatch: UInt64?
    public private(set) var lastForgedBatch: UInt64?

    /// A verifier for the frames of `keyID`, signed by the member whose Ed25519 key is `publicKey`.
    public init(keyID: UInt64, publicKey: [UInt8]) throws(CryptoError) {
        guard publicKey.count == Ed25519SigningKey.keyLength else {
            throw CryptoError.invalidLength(what: "Ed25519 public key", expected: Ed25519SigningKey.keyLength, got: publicKey.count)
        }
        guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
        self.keyID = keyID
        self.publicKey = publicKey
        let slots = Self.ringBatches * Self.frames
        frameBytes = .allocate(capacity: slots * FrameAuthentication.maximumFrameLength)
        frameBytes.initialize(repeating: 0, count: slots * FrameAuthentication.maximumFrameLength)
        signatures = .allocate(capacity: Self.ringBatches * Self.signatureLength)
        signatures.initialize(repeating: 0, count: Self.ringBatches * Self.signatureLength)
    }

    deinit {
        message.deallocate()
        frameBytes.deallocate()
        signatures.deallocate()
    }

    /// False after a forged batch, until a later batch verifies: its frames must not be played.
    public var isTrusted: Bool {
        guard let forged = lastForgedBatch else { return true }
        guard let verified = lastVerifiedBatch else { return false }
        return verified > forged
    }

    /// Records frame `counter` (already authenticated by SFrame: no duplicates reach here) with
    /// its auth chunk and Opus bytes; returns the batches this resolved.
    public func receive(counter: UInt64, chunk: UnsafeBufferPointer<UInt8>, opus: UnsafeBufferPointer<UInt8>) -> Resolutions {
        var resolved = Resolutions()
        let (batch, position) = FrameAuthentication.batch(of: counter)
        if let slot = claim(batch, &resolved) {
            storeFrame(opus, slot: slot, position: position)
            check(slot, &resolved)
        }
        // Batch 0's chunks are zeros: there is no batch before it.
        if batch > 0, chunk.count == FrameAuthentication.chunkLength, let slot = claim(batch - 1, &resolved) {
            storeChunk(chunk, slot: slot, position: position)
            check(slot, &resolved)
        }
        totals.verified += resolved.verified
        totals.unverifiable += resolved.unverifiable
        totals.forged += resolved.forged
        return resolved
    }

    /// The ring slot for `batch`, evicting an older batch (unverifiable if unresolved); nil when
    /// the batch is older than the slot's, or already resolved.
    private func claim(_ batch: UInt64, _ resolved: inout Resolutions) -> Int? {
        let slot = Int(batch % UInt64(Self.ringBatches))
        if slotInUse[slot] {
            if slotBatch[slot] == batch { return slotResolved[slot] ? nil : slot }
            if slotBatch[slot] > batch { return nil }
            if !slotResolved[slot] { resolved.unverifiable += 1 }
        }
        slotInUse[slot] = true
        slotBatch[slot] = batch
        slotResolved[slot] = false
        for position in 0..<Self.frames {
            framePresent[slot * Self.frames + position] = false
            chunkPresent[slot * Self.frames + position] = false
        }
        return slot
    }

    private func storeFrame(_ opus: UnsafeBufferPointer<UInt8>, slot: Int, position: Int) {
        let index = slot * Self.frames + position
        guard !framePresent[index], opus.count <= FrameAuthentication.maximumFrameLength else { return }
        if let source = opus.baseAddress {
            (frameBytes + index * FrameAuthentication.maximumFrameLength).update(from: source, count: opus.count)
        }
        frameLength[index] = opus.count
        framePresent[index] = true
    }

    private func storeChunk(_ chunk: UnsafeBufferPointer<UInt8>, slot: Int, position: Int) {
        let index = slot * Self.frames + position
        guard !chunkPresent[index] else { return }
        guard let source = chunk.baseAddress else { return }
        (signatures + slot * Self.signatureLength + position * FrameAuthentication.chunkLength)
            .update(from: source, count: FrameAuthentication.chunkLength)
        chunkPresent[index] = true
    }

    /// Verifies the batch in `slot` once all its pieces are held.
    private func check(_ slot: Int, _ resolved: inout Resolutions) {
        guard !slotResolved[slot] else { return }
        for position in 0..<Self.frames {
            let index = slot * Self.frames + position
            guard framePresent[index], chunkPresent[index] else { return }
        }
        let batch = slotBatch[slot]
        digest.reset()
        for position in 0..<Self.frames {
            let index = slot * Self.frames + position
            let opus = UnsafeBufferPointer(start: frameBytes + index * FrameAuthentication.maximumFrameLength, count: frameLength[index])
            digest.add(counter: batch * UInt64(Self.frames) + UInt64(position), opus: opus)
        }
        FrameAuthentication.prepareMessage(message, keyID: keyID, batch: batch)
        digest.finish(into: message + FrameAuthentication.digestOffset)
        let valid = crypto_sign_verify_detached(signatures + slot * Self.signatureLength, message,
                                                UInt64(FrameAuthentication.messageLength), publicKey) == 0
        slotResolved[slot] = true
        if valid {
            resolved.verified += 1
            lastVerifiedBatch = max(lastVerifiedBatch ?? batch, batch)
        } else {
            resolved.forged += 1
            lastForgedBatch = max(lastForgedBatch ?? batch, batch)
        }
    }
}
