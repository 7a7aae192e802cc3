import Testing
import ParlorCrypto

/// Speaker signatures over frames (docs/PROTOCOL.md §6.4) with real libsodium: a `FrameSigner`
/// feeding a `FrameVerifier`, frame by frame, as a speaker and a listener would.
@Suite struct FrameAuthenticationTests {
    static let keyID = SFrameContext.keyID(epoch: 3, senderSlot: 7)

    /// A frame as it leaves the signer: its counter, auth chunk and Opus bytes.
    struct SignedFrame {
        let counter: UInt64
        let chunk: [UInt8]
        let opus: [UInt8]
    }

    /// `count` frames of 80 bytes (a 32 kbit/s CBR frame) signed by `key` under `keyID`.
    static func stream(_ count: Int, key: Ed25519SigningKey, keyID: UInt64 = keyID, from start: UInt64 = 0) -> [SignedFrame] {
        let signer = FrameSigner(signingKey: key)
        return (start..<start + UInt64(count)).map { counter in
            let opus = (0..<80).map { UInt8(truncatingIfNeeded: counter &* 31 &+ UInt64($0)) }
            var chunk = [UInt8](repeating: 0xee, count: FrameAuthentication.chunkLength)
            opus.withUnsafeBufferPointer { opus in
                chunk.withUnsafeMutableBufferPointer { signer.authenticate(keyID: keyID, counter: counter, opus: opus, chunk: $0) }
            }
            return SignedFrame(counter: counter, chunk: chunk, opus: opus)
        }
    }

    @discardableResult
    static func deliver(_ frame: SignedFrame, to verifier: FrameVerifier) -> FrameVerifier.Resolutions {
        frame.chunk.withUnsafeBufferPointer { chunk in
            frame.opus.withUnsafeBufferPointer { verifier.receive(counter: frame.counter, chunk: chunk, opus: $0) }
        }
    }

    @Test func everyBatchOfAStreamVerifies() throws {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(80, key: key)
        #expect(frames.prefix(8).allSatisfy { $0.chunk == [UInt8](repeating: 0, count: 16) }, "batch 0 carries zero chunks")
        #expect(frames.dropFirst(8).allSatisfy { $0.counter % 8 < 4 || $0.chunk == frames[Int($0.counter) - 4].chunk },
                "each piece of a signature travels twice, 4 frames apart")
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in frames { Self.deliver(frame, to: verifier) }
        // Batches 0–8 are signed by the chunks of 1–9; batch 9's signature would come with batch 10.
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 9))
        #expect(verifier.lastVerifiedBatch == 8)
        #expect(verifier.isTrusted)
    }

    @Test func reorderedFramesInsideTheRingStillVerify() throws {
        let key = Ed25519SigningKey.generate()
        var frames = Self.stream(80, key: key)
        for start in stride(from: 0, to: 72, by: 12) { frames[start ..< start + 8].reverse() }
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in frames { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 9))
    }

    /// Another member who knows the sender key replaces one frame: the batch fails once its
    /// signature's four pieces are in (half way through the next batch), and stays untrusted
    /// until a later batch verifies.
    @Test func aReplacedFrameMakesItsBatchForgedUntilALaterOneVerifies() throws {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(80, key: key)
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        var forgedAt: UInt64?
        for frame in frames {
            var delivered = frame
            if frame.counter == 16 { delivered = SignedFrame(counter: 16, chunk: frame.chunk, opus: [UInt8](repeating: 0x55, count: 80)) }
            if Self.deliver(delivered, to: verifier).forged > 0, forgedAt == nil { forgedAt = frame.counter }
            if let forgedAt, frame.counter < 35 { #expect(!verifier.isTrusted, "after the forgery at \(forgedAt), frame \(frame.counter)") }
        }
        // Batch 2 (frames 16–23) is decided by the last piece of batch 3's first half (frame 27):
        // 12 frames after the forged one, 240 ms of 20 ms frames.
        #expect(forgedAt == 27)
        #expect(verifier.lastForgedBatch == 2)
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 8, forged: 1))
        #expect(verifier.isTrusted, "batch 3 and later verified")
    }

    @Test func batchesSignedByAnotherMemberKeyAreForged() throws {
        let victim = Ed25519SigningKey.generate(), forger = Ed25519SigningKey.generate()
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: victim.publicKey)
        for frame in Self.stream(24, key: forger) { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(forged: 2))
        #expect(!verifier.isTrusted)
    }

    /// The KID is in the signed message: a member's own signed stream replayed under another
    /// KID (another slot, or another epoch) does not verify there.
    @Test func signaturesAreBoundToTheKeyID() throws {
        let key = Ed25519SigningKey.generate()
        let verifier = try FrameVerifier(keyID: SFrameContext.keyID(epoch: 3, senderSlot: 8), publicKey: key.publicKey)
        for frame in Self.stream(24, key: key) { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(forged: 2))
    }

    /// 30 % random loss: many batches cannot be checked, none is ever called forged.
    @Test func lossMakesBatchesUnverifiableNeverForged() throws {
        let key = Ed25519SigningKey.generate()
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        var random = SystemRandomNumberGenerator()
        for frame in Self.stream(4_000, key: key) where Double.random(in: 0..<1, using: &random) >= 0.3 {
            Self.deliver(frame, to: verifier)
        }
        #expect(verifier.totals.forged == 0)
        #expect(verifier.totals.unverifiable > 400)
        #expect(verifier.totals.verified > 0)
        #expect(verifier.isTrusted)
    }

    /// One lost frame costs its own batch, not the one before: the piece of that batch's
    /// signature it carried comes again 4 frames later (frame 17 carries piece 1, frame 21 too).
    @Test func aLostFrameLosesNoPieceOfThePreviousBatchsSignature() throws {
        let key = Ed25519SigningKey.generate()
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in Self.stream(80, key: key) where frame.counter != 17 { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 8, unverifiable: 1), "only batch 2, which lost frame 17")
        #expect(verifier.lastVerifiedBatch == 8)
        let again = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in Self.stream(80, key: key) where frame.counter != 17 && frame.counter != 21 { Self.deliver(frame, to: again) }
        #expect(again.totals == FrameVerifier.Resolutions(verified: 7, unverifiable: 2), "without both copies of piece 1, batch 1 cannot be checked")
    }

    /// A frame whose packet was lost counts from the copy a later packet carried (§6.2).
    @Test func aLostFrameCountsFromItsCopy() throws {
        let key = Ed25519SigningKey.generate()
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        let frames = Self.stream(80, key: key)
        for frame in frames where frame.counter != 17 {
            Self.deliver(frame, to: verifier)
            if frame.counter == 18 { _ = frames[17].opus.withUnsafeBufferPointer { verifier.receiveCopy(of: 17, opus: $0) } }
        }
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 9))
    }

    /// Two versions of one frame that differ (a copy against the frame's own packet, in either
    /// order) are a forgery at once, also in a batch that already verified: the other version
    /// might still play. The same bytes again change nothing.
    @Test func aCopyThatDiffersFromItsFrameIsAForgeryEvenAfterTheBatchVerified() throws {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(80, key: key)
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in frames.prefix(20) { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 2))
        #expect(frames[3].opus.withUnsafeBufferPointer { verifier.receiveCopy(of: 3, opus: $0) } == FrameVerifier.Resolutions())
        let other = [UInt8](repeating: 0x5a, count: 80)
        #expect(other.withUnsafeBufferPointer { verifier.receiveCopy(of: 3, opus: $0) } == FrameVerifier.Resolutions(forged: 1))
        #expect(!verifier.isTrusted && verifier.lastForgedBatch == 0, "batch 1 verified before the forgery was found")
        #expect(other.withUnsafeBufferPointer { verifier.receiveCopy(of: 4, opus: $0) } == FrameVerifier.Resolutions(), "counted once a batch")
        // A copy first, then the frame's own packet that differs from it, in batch 2.
        #expect(other.withUnsafeBufferPointer { verifier.receiveCopy(of: 20, opus: $0) } == FrameVerifier.Resolutions())
        for frame in frames[20..<80] { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 2 + 6, forged: 2), "batches 0 and 1 before; 3–8 after")
        #expect(verifier.lastForgedBatch == 2 && verifier.isTrusted)
    }

    /// A frame is covered while its batch is in the ring: a batch 4 after it takes the slot, and
    /// from then on neither the frame nor a copy of it is checked (so the pipeline plays neither).
    @Test func aBatchPushedOutOfTheRingIsNoLongerCovered() throws {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(80, key: key)
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in frames.prefix(20) { Self.deliver(frame, to: verifier) }
        #expect(verifier.covers(19) && verifier.covers(16) && !verifier.covers(48))
        #expect(Self.deliver(frames[48], to: verifier) == FrameVerifier.Resolutions(unverifiable: 1), "batch 2 pushed out")
        #expect(verifier.covers(48) && !verifier.covers(20) && !verifier.covers(23))
        #expect(Self.deliver(frames[20], to: verifier) == FrameVerifier.Resolutions())
        #expect(frames[21].opus.withUnsafeBufferPointer { verifier.receiveCopy(of: 21, opus: $0) } == FrameVerifier.Resolutions())
        #expect(!verifier.covers(20) && !verifier.covers(21), "nothing claims a slot back for an older batch")
    }

    @Test func aFrameTooOldForTheRingIsIgnored() throws {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(80, key: key)
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in frames where frame.counter != 5 { Self.deliver(frame, to: verifier) }
        // Batch 0 left the ring without frame 5; frame 5 arriving now changes nothing.
        #expect(Self.deliver(frames[5], to: verifier) == FrameVerifier.Resolutions())
        #expect(verifier.totals.forged == 0)
    }

    @Test func aSkippedCounterLeavesItsBatchUnsignedAndTheNextCarriesZeros() {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(24, key: key).filter { $0.counter != 2 }
        let signer = FrameSigner(signingKey: key)
        var chunks: [UInt64: [UInt8]] = [:]
        for frame in frames {
            var chunk = [UInt8](repeating: 0xee, count: 16)
            frame.opus.withUnsafeBufferPointer { opus in
                chunk.withUnsafeMutableBufferPointer { signer.authenticate(keyID: Self.keyID, counter: frame.counter, opus: opus, chunk: $0) }
            }
            chunks[frame.counter] = chunk
        }
        #expect((8..<16).allSatisfy { chunks[$0] == [UInt8](repeating: 0, count: 16) })
        #expect((16..<24).allSatisfy { chunks[$0] != [UInt8](repeating: 0, count: 16) })
    }

    @Test func thePlaintextSplitsIntoChunkAndOpus() {
        #expect(FrameAuthentication.chunkLength == 16)
        #expect(FrameAuthentication.split([UInt8](repeating: 1, count: 16)) == nil)
        let split = FrameAuthentication.split([UInt8](repeating: 1, count: 16) + [9, 8])
        #expect(split.map { Array($0.chunk) } == [UInt8](repeating: 1, count: 16))
        #expect(split.map { Array($0.opus) } == [9, 8])
    }

    @Test func aPublicKeyOfTheWrongLengthIsRefused() {
        #expect(throws: CryptoError.invalidLength(what: "Ed25519 public key", expected: 32, got: 31)) {
            try FrameVerifier(keyID: 1, publicKey: [UInt8](repeating: 0, count: 31))
        }
    }
}

extension FrameAuthenticationTests {
    /// Chunks made by an independent implementation (Python's `cryptography` Ed25519 and
    /// hashlib's BLAKE2b-256, from PROTOCOL §6.4's text) for frames 0–23 of KID 0x10002, member
    /// key seed 07 × 32, frame c being the 20 bytes (31c + i) mod 256: batches 0 and 1 verify,
    /// and Parlor's signer makes the same chunks (Ed25519 is deterministic).
    @Test func chunksFromAnIndependentImplementationVerify() throws {
        let key = try Ed25519SigningKey(seed: [UInt8](repeating: 7, count: 32))
        let keyID: UInt64 = 0x1_0002
        let chunks = [
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "e32bf0599a520aa86f57a84f495b7535",
            "e532872e57385609c1eb362523c6595c",
            "07046474ffe33e102e440763ebc1e1b7",
            "fa759d59717c71bf459041dcd3b6a30b",
            "e32bf0599a520aa86f57a84f495b7535",
            "e532872e57385609c1eb362523c6595c",
            "07046474ffe33e102e440763ebc1e1b7",
            "fa759d59717c71bf459041dcd3b6a30b",
            "32707058e1fdffbff33cb6aefb858a1c",
            "1909226a723833796e0f297fba909f35",
            "ce1b9e7b1e26d21229b9f10c418870ea",
            "2150687618c25b8b9cacd9eea265bc0f",
            "32707058e1fdffbff33cb6aefb858a1c",
            "1909226a723833796e0f297fba909f35",
            "ce1b9e7b1e26d21229b9f10c418870ea",
            "2150687618c25b8b9cacd9eea265bc0f",
        ].map { [UInt8](hex: $0) }
        let verifier = try FrameVerifier(keyID: keyID, publicKey: key.publicKey)
        let signer = FrameSigner(signingKey: key)
        for counter in UInt64(0)..<24 {
            let opus = (0..<20).map { UInt8(truncatingIfNeeded: counter &* 31 &+ UInt64($0)) }
            var ours = [UInt8](repeating: 0xee, count: 16)
            opus.withUnsafeBufferPointer { opus in
                ours.withUnsafeMutableBufferPointer { signer.authenticate(keyID: keyID, counter: counter, opus: opus, chunk: $0) }
            }
            #expect(ours == chunks[Int(counter)], "frame \(counter)")
            Self.deliver(SignedFrame(counter: counter, chunk: chunks[Int(counter)], opus: opus), to: verifier)
        }
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 2))
    }
}
