import ParlorAudio
import ParlorCrypto
import ParlorProtocol

/// How a speaker shrugs off its listeners' loss with redundant copies (docs/PROTOCOL.md §6.2):
/// how many earlier frames each packet carries, and the bucket every payload of the stream is
/// padded to meanwhile, so that all its datagrams keep one size also when a packet has fewer
/// copies (the first one, or after a bit-rate change). Pure: the pipeline applies it.
struct LossRedundancy: Equatable {
    /// Copies of earlier frames each packet carries while the line loses packets: one, at the
    /// stream's own bit rate. At 32 kbit/s, 20 ms, that is the 256-byte bucket (the 128-byte one
    /// holds one frame; two copies would take the 512-byte one).
    static let lossyLineDepth = 1

    /// Copies each packet carries (0: none).
    let depth: Int
    /// The smallest payload every packet is padded to (0: the frame's own bucket).
    let payloadFloor: Int
    /// The most body bytes (`MediaFrameBody`) a packet may carry so that it stays in `payloadFloor`
    /// with the longest SFrame header.
    let bodyCapacity: Int

    /// The plan for `depth` copies of CBR frames as `settings` makes them, under SFrame tags of
    /// `tagLength` bytes.
    init(depth: Int, settings: OpusSettings, tagLength: Int) {
        let depth = min(max(depth, 0), MediaFrameBody.maximumRedundancy)
        self.depth = depth
        guard depth > 0 else {
            payloadFloor = 0
            bodyCapacity = MediaFrameBody.headerLength(redundancy: 0) + OpusSettings.maxPacketBytes
            return
        }
        let overhead = MediaPayload.sframeOffset + SFrameHeader.maximumLength + tagLength + FrameAuthentication.chunkLength
        let frameBytes = Int(settings.bitrate) * settings.frameMilliseconds / 8_000
        let needed = overhead + MediaFrameBody.headerLength(redundancy: depth) + (depth + 1) * frameBytes
        payloadFloor = MediaPayload.bucket(for: needed) ?? MediaPayload.maximumLength
        bodyCapacity = payloadFloor - overhead
    }

    /// The copies for a loss fraction (0...1): none on a clean line (below
    /// `OpusEncoder.cleanLineLoss`), `lossyLineDepth` otherwise.
    static func depth(forLoss fraction: Double) -> Int {
        fraction.isNaN || fraction < OpusEncoder.cleanLineLoss ? 0 : lossyLineDepth
    }
}
