import CSodium

/// A listener's side of frame signatures for one KID (docs/PROTOCOL.md §6.4). Frames go in as
/// they arrive (and play at once), each from its own packet or from a redundant copy a later
/// packet carried (§6.2), whichever comes first; a batch is checked as soon as its eight frames
/// and the four pieces of its signature (each sent twice in the next batch's frames) are all
/// held. Outcomes:
///
/// - **verified**: the signature holds under the speaker's member key;
/// - **unverifiable**: the batch left the ring with a piece missing (loss; neutral);
/// - **forged**: every piece came and the signature does not hold, or two versions of one of its
///   frames (the packet's and a copy) differ, also after the batch verified. `isTrusted` turns
///   false and stays so until a later batch verifies.
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

        /// Adds `other`'s counts to these.
        public mutating func add(_ other: Resolutions) {
            verified += other.verified
            unverifiable += other.unverifiable
            forged += other.forged
        }
    }

    /// Batches kept while their pieces and copies arrive (640 ms of 20 ms frames, as long as a
    /// jitter buffer holds packets: a version of a frame that could still play is compared).
    public static let ringBatches = 4
    static let frames = FrameAuthentication.framesPerBatch
    static let pieces = FrameAuthentication.piecesPerSignature
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
    /// The batch was found forged (by its signature or by two versions of a frame): counted once.
    private var slotForged = [Bool](repeating: false, count: ringBatches)
    private var frameLength = [Int](repeating: 0, count: ringBatches * frames)
    private var framePresent = [Bool](repeating: false, count: ringBatches * frames)
    private var piecePresent = [Bool](repeating: false, count: ringBatches * pieces)

    /// Every batch resolved so far.
    public private(set) var totals = Resolutions()
    public private(set) var lastVerifiedBatch: UInt64?
    public private(set) var lastForgedBatch: UInt64?
    /// A batch after `lastForgedBatch` verified since the last forgery was found.
    private var verifiedSinceForgery = false

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

    /// False once a forged batch is found, until a batch after it verifies: the KID's frames must
    /// not be played meanwhile.
    public var isTrusted: Bool {
        lastForgedBatch == nil || verifiedSinceForgery
    }

    /// Whether frame `counter`'s batch is in the ring, where a version of the frame is still
    /// checked: false once a batch 4 or more after it took its place (a frame 500 ms late, or one
    /// far ahead that a forger sent to push the batch out). Such a frame must not play.
    public func covers(_ counter: UInt64) -> Bool {
        let batch = FrameAuthentication.batch(of: counter).batch
        let slot = Int(batch % UInt64(Self.ringBatches))
        return slotInUse[slot] && slotBatch[slot] == batch
    }

    /// Records frame `counter` (already authenticated by SFrame: no duplicates reach here) with
    /// its auth chunk and its own Opus packet; returns the batches this resolved.
    public func receive(counter: UInt64, chunk: UnsafeBufferPointer<UInt8>, opus: UnsafeBufferPointer<UInt8>) -> Resolutions {
        var resolved = Resolutions()
        store(frame: counter, opus, &resolved)
        // Batch 0's chunks are zeros: there is no batch before it.
        let (batch, position) = FrameAuthentication.batch(of: counter)
        if batch > 0, chunk.count == FrameAuthentication.chunkLength, let slot = claim(batch - 1, &resolved), !slotResolved[slot] {
            storeChunk(chunk, slot: slot, piece: FrameAuthentication.piece(at: position))
            check(slot, &resolved)
        }
        return count(resolved)
    }

    /// Records the redundant copy of frame `counter` that a later packet of this KID carried;
    /// returns the batches this resolved.
    public func receiveCopy(of counter: UInt64, opus: UnsafeBufferPointer<UInt8>) -> Resolutions {
        var resolved = Resolutions()
        store(frame: counter, opus, &resolved)
        return count(resolved)
    }

    private func count(_ resolved: Resolutions) -> Resolutions {
        totals.add(resolved)
        return resolved
    }

    /// The ring slot for `batch`, evicting an older batch (unverifiable if unresolved); nil when
    /// the batch is older than the slot's.
    private func claim(_ batch: UInt64, _ resolved: inout Resolutions) -> Int? {
        let slot = Int(batch % UInt64(Self.ringBatches))
        if slotInUse[slot] {
            if slotBatch[slot] == batch { return slot }
            if slotBatch[slot] > batch { return nil }
            if !slotResolved[slot] { resolved.unverifiable += 1 }
        }
        slotInUse[slot] = true
        slotBatch[slot] = batch
        slotResolved[slot] = false
        slotForged[slot] = false
        for position in 0..<Self.frames { framePresent[slot * Self.frames + position] = false }
        for piece in 0..<Self.pieces { piecePresent[slot * Self.pieces + piece] = false }
        return slot
    }

    /// Keeps the first version of frame `counter` to come; a later one that differs from it
    /// makes the batch forged, also once it verified (the other version might play).
    private func store(frame counter: UInt64, _ opus: UnsafeBufferPointer<UInt8>, _ resolved: inout Resolutions) {
        let (batch, position) = FrameAuthentication.batch(of: counter)
        guard opus.count <= FrameAuthentication.maximumFrameLength, let slot = claim(batch, &resolved) else { return }
        let index = slot * Self.frames + position
        let stored = frameBytes + index * FrameAuthentication.maximumFrameLength
        guard framePresent[index] else {
            if let source = opus.baseAddress { stored.update(from: source, count: opus.count) }
            frameLength[index] = opus.count
            framePresent[index] = true
            check(slot, &resolved)
            return
        }
        let same = frameLength[index] == opus.count && (opus.isEmpty || sodium_memcmp(stored, opus.baseAddress!, opus.count) == 0)
        guard !same, !slotForged[slot] else { return }
        slotResolved[slot] = true
        forged(slot, &resolved)
    }

    /// Keeps the first copy of a piece that arrives; the second is not compared. A piece never
    /// plays: a wrong first copy makes the signature fail, a wrong second one changes nothing.
    private func storeChunk(_ chunk: UnsafeBufferPointer<UInt8>, slot: Int, piece: Int) {
        let index = slot * Self.pieces + piece
        guard !piecePresent[index] else { return }
        guard let source = chunk.baseAddress else { return }
        (signatures + slot * Self.signatureLength + piece * FrameAuthentication.chunkLength)
            .update(from: source, count: FrameAuthentication.chunkLength)
        piecePresent[index] = true
    }

    /// Verifies the batch in `slot` once all its pieces are held.
    private func check(_ slot: Int, _ resolved: inout Resolutions) {
        guard !slotResolved[slot] else { return }
        for position in 0..<Self.frames where !framePresent[slot * Self.frames + position] { return }
        for piece in 0..<Self.pieces where !piecePresent[slot * Self.pieces + piece] { return }
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
            if let lastForgedBatch, batch > lastForgedBatch { verifiedSinceForgery = true }
        } else {
            forged(slot, &resolved)
        }
    }

    private func forged(_ slot: Int, _ resolved: inout Resolutions) {
        let batch = slotBatch[slot]
        slotForged[slot] = true
        resolved.forged += 1
        lastForgedBatch = max(lastForgedBatch ?? batch, batch)
        verifiedSinceForgery = false
    }
}
