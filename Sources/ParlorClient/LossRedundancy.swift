import ParlorAudio
import ParlorCrypto
import ParlorProtocol

/// How a speaker shrugs off its listeners' loss with redundant copies (docs/PROTOCOL.md §6.2):
/// how many earlier frames each packet carries, the bit rate its frames get meanwhile, and the
/// bucket every payload of the stream is padded to, so that all its datagrams keep one size
/// also when a packet has fewer copies (the first one, or after a change). Pure: the pipeline
/// applies it.
///
/// The bucket is the one that holds a frame and one copy at the stream's bit rate with the
/// longest SFrame header (256 bytes at 32 kbit/s, 20 ms); a deeper plan lowers the bit rate
/// until all its copies fit that same bucket (two copies: 26.4 kbit/s), rather than double the
/// stream's bandwidth again.
struct LossRedundancy: Equatable {
    /// Copies while the line loses packets but less than `heavyLoss`.
    static let lossyLineDepth = 1
    /// From this loss (a fraction) on, two copies: a lost frame is then lost for good only when
    /// the next two packets are lost too.
    static let heavyLoss = 0.15

    /// Copies each packet carries (0: none).
    let depth: Int
    /// The bit rate the frames get while this plan holds.
    let bitrate: Int32
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
            bitrate = settings.bitrate
            payloadFloor = 0
            bodyCapacity = MediaFrameBody.headerLength(redundancy: 0) + OpusSettings.maxPacketBytes
            return
        }
        let overhead = MediaPayload.sframeOffset + SFrameHeader.maximumLength + tagLength + FrameAuthentication.chunkLength
        let frameBytes = Int(settings.bitrate) * settings.frameMilliseconds / 8_000
        let needed = overhead + MediaFrameBody.headerLength(redundancy: 1) + 2 * frameBytes
        payloadFloor = MediaPayload.bucket(for: needed) ?? MediaPayload.maximumLength
        bodyCapacity = payloadFloor - overhead
        let fitting = (bodyCapacity - MediaFrameBody.headerLength(redundancy: depth)) / (depth + 1)
        let fittingBitrate = Int32(fitting * 8_000 / settings.frameMilliseconds)
        bitrate = max(min(settings.bitrate, fittingBitrate), OpusSettings.bitrateRange.lowerBound)
    }

    /// The copies for a loss fraction (0...1): none on a clean line (below
    /// `OpusEncoder.cleanLineLoss`), `lossyLineDepth` below `heavyLoss`, two from there on.
    static func depth(forLoss fraction: Double) -> Int {
        if fraction.isNaN || fraction < OpusEncoder.cleanLineLoss { return 0 }
        return fraction < heavyLoss ? lossyLineDepth : MediaFrameBody.maximumRedundancy
    }
}
