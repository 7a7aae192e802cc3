import ParlorCrypto

/// The member key every input is checked against (seed 07 × 32; Fuzz/README.md).
let fuzzMemberKey = try! Ed25519SigningKey(seed: [UInt8](repeating: 7, count: 32))
let fuzzKeyID: UInt64 = 0x1_0002

/// One received frame of an input: `counter(8, BE) ‖ length(1) ‖ chunk(16) ‖ opus(length)`.
struct FuzzFrame {
    let counter: UInt64
    let chunk: [UInt8]
    let opus: [UInt8]
}

/// Cuts an input into frames; a short tail is dropped.
func fuzzFrames(_ bytes: [UInt8]) -> [FuzzFrame] {
    var frames: [FuzzFrame] = []
    var offset = 0
    while bytes.count - offset >= 9 + FrameAuthentication.chunkLength {
        let counter = bytes[offset ..< offset + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let length = Int(bytes[offset + 8])
        let chunkStart = offset + 9
        let opusStart = chunkStart + FrameAuthentication.chunkLength
        guard bytes.count - opusStart >= length else { break }
        frames.append(FuzzFrame(counter: counter, chunk: Array(bytes[chunkStart ..< opusStart]),
                                opus: Array(bytes[opusStart ..< opusStart + length])))
        offset = opusStart + length
    }
    return frames
}

/// One fuzz input: any bytes as an SFrame plaintext (chunk ‖ opus), and as frames received
/// under one KID, with any counters, chunks and lengths, each also as a redundant copy of the
/// frame before it; then the same Opus frames signed by the member key with consecutive
/// counters, each followed by the true copy of the frame before it, which must never be found
/// forged.
func fuzzFrameAuthentication(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let (chunk, opus) = FrameAuthentication.split(bytes) {
        guard chunk.count == FrameAuthentication.chunkLength, chunk.count + opus.count == bytes.count, !opus.isEmpty else {
            fatalError("plaintext split wrongly")
        }
    }
    let frames = fuzzFrames(bytes)
    guard let received = try? FrameVerifier(keyID: fuzzKeyID, publicKey: fuzzMemberKey.publicKey),
          let honest = try? FrameVerifier(keyID: fuzzKeyID, publicKey: fuzzMemberKey.publicKey) else { return 0 }
    for frame in frames {
        frame.chunk.withUnsafeBufferPointer { chunk in
            _ = frame.opus.withUnsafeBufferPointer { received.receive(counter: frame.counter, chunk: chunk, opus: $0) }
        }
        _ = frame.opus.withUnsafeBufferPointer { received.receiveCopy(of: frame.counter &- 1, opus: $0) }
    }
    let signer = FrameSigner(signingKey: fuzzMemberKey)
    let start = (frames.first?.counter ?? 0) % SFrameContext.counterLimit
    var chunk = [UInt8](repeating: 0, count: FrameAuthentication.chunkLength)
    for (index, frame) in frames.enumerated() {
        let counter = start + UInt64(index)
        frame.opus.withUnsafeBufferPointer { opus in
            chunk.withUnsafeMutableBufferPointer { signer.authenticate(keyID: fuzzKeyID, counter: counter, opus: opus, chunk: $0) }
        }
        let signedChunk = chunk
        signedChunk.withUnsafeBufferPointer { signed in
            _ = frame.opus.withUnsafeBufferPointer { honest.receive(counter: counter, chunk: signed, opus: $0) }
        }
        if index > 0, counter > 0 {
            _ = frames[index - 1].opus.withUnsafeBufferPointer { honest.receiveCopy(of: counter - 1, opus: $0) }
        }
    }
    guard honest.totals.forged == 0 else { fatalError("a stream signed with consecutive counters did not verify") }
    return 0
}
