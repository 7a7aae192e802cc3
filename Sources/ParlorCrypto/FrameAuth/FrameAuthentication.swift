import CSodium

/// Speaker signatures over frames (docs/PROTOCOL.md §6.4): the constants, the plaintext layout
/// and the signed message that `FrameSigner` and `FrameVerifier` share.
///
///     SFrame plaintext = auth_chunk(16) ‖ body (the Opus frame and its redundant copies, §6.2)
///     batch b          = the frames with counter / 8 == b, position k = counter % 8
///     signed message   = "parlor/1 frames" ‖ KID(8, BE) ‖ b(8, BE)
///                        ‖ BLAKE2b-256(for k in 0..<8: counter(8, BE) ‖ len(2, BE) ‖ opus_k)
///     opus_k           = the Opus frame sent under counter 8b + k (the body's own frame, or the
///                        same bytes in a later packet's copy)
///     auth_chunk       = piece k mod 4 of sig(b − 1) (its bytes 16(k mod 4) ..< 16(k mod 4) + 16)
///                        in the frame at position k of batch b, so each piece travels twice;
///                        zeros in batch 0
public enum FrameAuthentication {
    /// Frames per signed batch: one signature check per 160 ms of a speaker's 20 ms frames.
    public static let framesPerBatch = 8
    /// Bytes of the signature each frame carries.
    public static let chunkLength = 16
    /// The pieces a signature is cut into (64 / 16); a batch carries each twice, 4 frames apart,
    /// so one lost frame loses no piece.
    public static let piecesPerSignature = Ed25519SigningKey.signatureLength / chunkLength
    /// The longest Opus frame a batch can hold: the largest media payload, less its prefix,
    /// the shortest SFrame header, the tag and the chunk.
    public static let maximumFrameLength = 1024 - 4 - 1 - 16 - chunkLength
    /// The digest of a batch's frames.
    static let digestLength = 32
    static let label = Array("parlor/1 frames".utf8)
    /// label ‖ KID(8) ‖ batch(8) ‖ digest(32).
    static let messageLength = label.count + 8 + 8 + digestLength
    /// Bytes before each frame's Opus bytes in the digest: counter(8) ‖ len(2).
    static let framePrefixLength = 10

    /// The batch a counter belongs to, and its position in it.
    public static func batch(of counter: UInt64) -> (batch: UInt64, position: Int) {
        (counter / UInt64(framesPerBatch), Int(counter % UInt64(framesPerBatch)))
    }

    /// The piece of the previous batch's signature that the frame at `position` carries.
    public static func piece(at position: Int) -> Int {
        position % piecesPerSignature
    }

    /// Splits an SFrame plaintext into its auth chunk and its Opus frame; nil when it has no
    /// Opus byte after the chunk.
    public static func split(_ plaintext: [UInt8]) -> (chunk: ArraySlice<UInt8>, opus: ArraySlice<UInt8>)? {
        guard plaintext.count > chunkLength else { return nil }
        return (plaintext[..<chunkLength], plaintext[chunkLength...])
    }

    /// Writes `value` as `width` big-endian bytes at `pointer`.
    static func storeBigEndian(_ value: UInt64, width: Int, at pointer: UnsafeMutablePointer<UInt8>) {
        for index in 0..<width {
            pointer[index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - index)))
        }
    }

    /// Fills `message` (`messageLength` bytes) with the label, KID and batch; the digest goes
    /// after them, at `digestOffset`.
    static func prepareMessage(_ message: UnsafeMutablePointer<UInt8>, keyID: UInt64, batch: UInt64) {
        label.withUnsafeBufferPointer { message.update(from: $0.baseAddress!, count: $0.count) }
        storeBigEndian(keyID, width: 8, at: message + label.count)
        storeBigEndian(batch, width: 8, at: message + label.count + 8)
    }

    /// Where the digest starts in the message.
    static let digestOffset = label.count + 16
}
