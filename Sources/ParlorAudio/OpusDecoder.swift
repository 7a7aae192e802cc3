import COpus

/// One Opus decoder for one speaker's stream. Not thread-safe: one owner at a time.
public final class OpusDecoder {
    public let frameSamples: Int
    private let state: OpaquePointer

    public init(frameSamples: Int = OpusSettings().frameSamples) throws {
        var err: Int32 = 0
        guard let state = opus_decoder_create(OpusSettings.sampleRate, OpusSettings.channels, &err), err == OPUS_OK else {
            throw OpusError(code: err, operation: "decoder_create")
        }
        self.state = state
        self.frameSamples = frameSamples
    }

    deinit { opus_decoder_destroy(state) }

    /// Decodes `packet` into `pcm`. With `packet == nil` the decoder conceals a lost frame (PLC).
    /// With `fec` the decoder rebuilds the *previous* frame from the FEC data in `packet`.
    /// Returns the samples written. Allocates nothing.
    public func decode(_ packet: UnsafeBufferPointer<UInt8>?, into pcm: UnsafeMutableBufferPointer<Int16>, fec: Bool = false) throws -> Int {
        let frames = Int32(min(pcm.count, frameSamples))
        let n = opus_decode(state, packet?.baseAddress, Int32(packet?.count ?? 0), pcm.baseAddress!, frames, fec ? 1 : 0)
        return Int(try OpusError.check(n, fec ? "decode FEC" : (packet == nil ? "conceal" : "decode")))
    }

    /// Decodes one packet (or conceals a lost one when `packet` is nil) and returns the samples.
    public func decode(_ packet: [UInt8]?, fec: Bool = false) throws -> [Int16] {
        var pcm = [Int16](repeating: 0, count: frameSamples)
        let n: Int
        if let packet {
            n = try packet.withUnsafeBufferPointer { p in
                try pcm.withUnsafeMutableBufferPointer { try decode(p, into: $0, fec: fec) }
            }
        } else {
            n = try pcm.withUnsafeMutableBufferPointer { try decode(nil, into: $0) }
        }
        return Array(pcm.prefix(n))
    }

    /// Forgets the stream's history, as at a new talk spurt from another source.
    public func reset() { _ = copus_decoder_reset(state) }
}
