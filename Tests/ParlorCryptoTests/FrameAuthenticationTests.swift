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
        let frames = Self.stream(40, key: key)
        #expect(frames.prefix(4).allSatisfy { $0.chunk == [UInt8](repeating: 0, count: 16) }, "batch 0 carries zero chunks")
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in frames { Self.deliver(frame, to: verifier) }
        // Batches 0–8 are signed by the chunks of 1–9; batch 9's signature would come with batch 10.
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 9))
        #expect(verifier.lastVerifiedBatch == 8)
        #expect(verifier.isTrusted)
    }

    @Test func reorderedFramesInsideTheRingStillVerify() throws {
        let key = Ed25519SigningKey.generate()
        var frames = Self.stream(40, key: key)
        for start in stride(from: 0, to: 36, by: 6) { frames[start ..< start + 4].reverse() }
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in frames { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 9))
    }

    /// Another member who knows the sender key replaces one frame: the batch fails once its
    /// signature's chunks are in (at the end of the next batch), and stays untrusted until a
    /// later batch verifies.
    @Test func aReplacedFrameMakesItsBatchForgedUntilALaterOneVerifies() throws {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(40, key: key)
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        var forgedAt: UInt64?
        for frame in frames {
            var delivered = frame
            if frame.counter == 10 { delivered = SignedFrame(counter: 10, chunk: frame.chunk, opus: [UInt8](repeating: 0x55, count: 80)) }
            if Self.deliver(delivered, to: verifier).forged > 0, forgedAt == nil { forgedAt = frame.counter }
            if let forgedAt, frame.counter < 19 { #expect(!verifier.isTrusted, "after the forgery at \(forgedAt), frame \(frame.counter)") }
        }
        // Batch 2 (frames 8–11) is decided by the last chunk of batch 3 (frame 15): within 2 batches.
        #expect(forgedAt == 15)
        #expect(verifier.lastForgedBatch == 2)
        #expect(verifier.totals == FrameVerifier.Resolutions(verified: 8, forged: 1))
        #expect(verifier.isTrusted, "batch 3 and later verified")
    }

    @Test func batchesSignedByAnotherMemberKeyAreForged() throws {
        let victim = Ed25519SigningKey.generate(), forger = Ed25519SigningKey.generate()
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: victim.publicKey)
        for frame in Self.stream(12, key: forger) { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(forged: 2))
        #expect(!verifier.isTrusted)
    }

    /// The KID is in the signed message: a member's own signed stream replayed under another
    /// KID (another slot, or another epoch) does not verify there.
    @Test func signaturesAreBoundToTheKeyID() throws {
        let key = Ed25519SigningKey.generate()
        let verifier = try FrameVerifier(keyID: SFrameContext.keyID(epoch: 3, senderSlot: 8), publicKey: key.publicKey)
        for frame in Self.stream(12, key: key) { Self.deliver(frame, to: verifier) }
        #expect(verifier.totals == FrameVerifier.Resolutions(forged: 2))
    }

    /// 30 % random loss: many batches cannot be checked, none is ever called forged.
    @Test func lossMakesBatchesUnverifiableNeverForged() throws {
        let key = Ed25519SigningKey.generate()
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        var random = SystemRandomNumberGenerator()
        for frame in Self.stream(2_000, key: key) where Double.random(in: 0..<1, using: &random) >= 0.3 {
            Self.deliver(frame, to: verifier)
        }
        #expect(verifier.totals.forged == 0)
        #expect(verifier.totals.unverifiable > 300)
        #expect(verifier.totals.verified > 0)
        #expect(verifier.isTrusted)
    }

    @Test func aFrameTooOldForTheRingIsIgnored() throws {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(40, key: key)
        let verifier = try FrameVerifier(keyID: Self.keyID, publicKey: key.publicKey)
        for frame in frames where frame.counter != 5 { Self.deliver(frame, to: verifier) }
        // Batch 1 left the ring without frame 5; frame 5 arriving now changes nothing.
        #expect(Self.deliver(frames[5], to: verifier) == FrameVerifier.Resolutions())
        #expect(verifier.totals.forged == 0)
    }

    @Test func aSkippedCounterLeavesItsBatchUnsignedAndTheNextCarriesZeros() {
        let key = Ed25519SigningKey.generate()
        let frames = Self.stream(12, key: key).filter { $0.counter != 2 }
        let signer = FrameSigner(signingKey: key)
        var chunks: [UInt64: [UInt8]] = [:]
        for frame in frames {
            var chunk = [UInt8](repeating: 0xee, count: 16)
            frame.opus.withUnsafeBufferPointer { opus in
                chunk.withUnsafeMutableBufferPointer { signer.authenticate(keyID: Self.keyID, counter: frame.counter, opus: opus, chunk: $0) }
            }
            chunks[frame.counter] = chunk
        }
        #expect((4..<8).allSatisfy { chunks[$0] == [UInt8](repeating: 0, count: 16) })
        #expect((8..<12).allSatisfy { chunks[$0] != [UInt8](repeating: 0, count: 16) })
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
    /// hashlib's BLAKE2b-256, from PROTOCOL §6.4's text) for frames 0–11 of KID 0x10002, member
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
            "021171e48dc68e02fb5134d00bf93682",
            "6dd9f76a971e8cddb3f7c67fc7c95c60",
            "113a3580a06be4f6aaefbd4e0566d6b7",
            "21c4f0e16e77a179fd7c5fbe8f475501",
            "0d3f7505e74dde3780a05a602f68b4b8",
            "6fbbeeb3326efb82a7f4734659e13879",
            "86b0e413c124a4e5069b5a77d70d334d",
            "f716d58dbe0520204a54405052b9e408",
        ].map { [UInt8](hex: $0) }
        let verifier = try FrameVerifier(keyID: keyID, publicKey: key.publicKey)
        let signer = FrameSigner(signingKey: key)
        for counter in UInt64(0)..<12 {
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
