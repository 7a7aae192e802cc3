/// The speaker's side of frame signatures (docs/PROTOCOL.md §6.4). Fed each frame as it is sent,
/// it returns the 16-byte auth chunk to put before the Opus bytes, and signs a batch when its
/// eighth frame goes out; the next batch's frames carry that signature, a quarter each, every
/// quarter twice.
///
/// Counters must come in order, as an SFrame sender's do. A batch fed out of order (a skipped
/// counter) is not signed, and the next batch carries zero chunks. A new KID starts afresh.
/// Allocates nothing after `init`.
public final class FrameSigner {
    private let signingKey: Ed25519SigningKey
    private let digest = BatchDigest()
    private let message = UnsafeMutablePointer<UInt8>.allocate(capacity: FrameAuthentication.messageLength)
    private var keyID: UInt64?
    private var batch: UInt64 = 0
    /// Frames of `batch` added to the digest, in order from position 0.
    private var fed = 0
    /// A frame of `batch` came out of order or too long: it will not be signed.
    private var broken = false
    /// The last signature made, and the batch it covers.
    private let signature = UnsafeMutablePointer<UInt8>.allocate(capacity: Ed25519SigningKey.signatureLength)
    private var signedBatch: UInt64?

    /// A signer with this member's per-room key.
    public init(signingKey: Ed25519SigningKey) {
        self.signingKey = signingKey
    }

    deinit {
        message.deallocate()
        signature.deallocate()
    }

    /// Records frame `counter` of `keyID` and writes its auth chunk into `chunk` (whose first
    /// `FrameAuthentication.chunkLength` bytes it fills).
    public func authenticate(keyID: UInt64, counter: UInt64, opus: UnsafeBufferPointer<UInt8>,
                             chunk: UnsafeMutableBufferPointer<UInt8>) {
        let (batch, position) = FrameAuthentication.batch(of: counter)
        if keyID != self.keyID {
            self.keyID = keyID
            signedBatch = nil
            start(batch)
        } else if batch != self.batch {
            start(batch)
        }
        writeChunk(batch: batch, position: position, into: chunk)
        guard !broken, position == fed, opus.count <= FrameAuthentication.maximumFrameLength else {
            broken = true
            return
        }
        digest.add(counter: counter, opus: opus)
        fed += 1
        if fed == FrameAuthentication.framesPerBatch { sign(keyID: keyID, batch: batch) }
    }

    private func start(_ batch: UInt64) {
        self.batch = batch
        fed = 0
        broken = false
        digest.reset()
    }

    /// Position k of batch b carries piece k mod 4 of sig(b − 1), or zeros without one.
    private func writeChunk(batch: UInt64, position: Int, into chunk: UnsafeMutableBufferPointer<UInt8>) {
        let length = FrameAuthentication.chunkLength
        guard chunk.count >= length else { return }
        guard batch > 0, signedBatch == batch - 1 else {
            for index in 0..<length { chunk[index] = 0 }
            return
        }
        let start = FrameAuthentication.piece(at: position) * length
        for index in 0..<length { chunk[index] = signature[start + index] }
    }

    private func sign(keyID: UInt64, batch: UInt64) {
        FrameAuthentication.prepareMessage(message, keyID: keyID, batch: batch)
        digest.finish(into: message + FrameAuthentication.digestOffset)
        signingKey.sign(UnsafeBufferPointer(start: message, count: FrameAuthentication.messageLength), into: signature)
        signedBatch = batch
    }
}
