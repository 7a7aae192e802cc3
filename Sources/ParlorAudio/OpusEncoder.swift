import COpus

/// One Opus encoder set up as `OpusSettings` says. Not thread-safe: one owner at a time.
public final class OpusEncoder {
    public let settings: OpusSettings
    /// The loss the encoder plans its FEC for now, in percent.
    public private(set) var expectedLossPercent: Int32
    private let state: OpaquePointer

    /// Below this measured loss (a fraction) the line counts as clean and FEC sends nothing.
    public static let cleanLineLoss = 0.005

    public init(settings: OpusSettings = OpusSettings()) throws {
        guard [10, 20].contains(settings.frameMilliseconds) else {
            throw OpusError(code: OPUS_BAD_ARG, operation: "frame duration \(settings.frameMilliseconds) ms (use 10 or 20)")
        }
        guard OpusSettings.bitrateRange.contains(settings.bitrate) else {
            throw OpusError(code: OPUS_BAD_ARG, operation: "bit rate \(settings.bitrate) (use 16000...64000)")
        }
        var err: Int32 = 0
        guard let state = opus_encoder_create(OpusSettings.sampleRate, OpusSettings.channels, OPUS_APPLICATION_VOIP, &err),
              err == OPUS_OK else {
            throw OpusError(code: err, operation: "encoder_create")
        }
        self.state = state
        self.settings = settings
        expectedLossPercent = settings.expectedLossPercent
        try OpusError.check(copus_set_bitrate(state, settings.bitrate), "set bitrate")
        try OpusError.check(copus_set_vbr(state, 0), "set CBR")
        try OpusError.check(copus_set_complexity(state, settings.complexity), "set complexity")
        try OpusError.check(copus_set_inband_fec(state, settings.inbandFEC ? 1 : 0), "set inband FEC")
        try OpusError.check(copus_set_packet_loss_perc(state, settings.expectedLossPercent), "set packet loss")
        try OpusError.check(copus_set_dtx(state, 0), "set DTX")
        try OpusError.check(copus_set_signal(state, copus_signal_voice()), "set signal")
    }

    deinit { opus_encoder_destroy(state) }

    /// Encodes one frame of `settings.frameSamples` samples into `packet`; returns the bytes written.
    /// Allocates nothing, so it is safe on the audio path.
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, into packet: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        let n = opus_encode(state, pcm.baseAddress!, Int32(pcm.count), packet.baseAddress!, Int32(packet.count))
        return Int(try OpusError.check(n, "encode"))
    }

    /// Encodes one frame and returns the packet.
    public func encode(_ pcm: [Int16]) throws -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: OpusSettings.maxPacketBytes)
        let n = try pcm.withUnsafeBufferPointer { p in
            try packet.withUnsafeMutableBufferPointer { try encode(p, into: $0) }
        }
        return Array(packet.prefix(n))
    }

    /// Plans FEC for `percent` loss from the next frame on. Allocates nothing.
    public func setExpectedLoss(percent: Int32) throws {
        try OpusError.check(copus_set_packet_loss_perc(state, percent), "set packet loss")
        expectedLossPercent = percent
    }

    /// Follows the loss listeners measured (a fraction, 0...1, e.g. over the last second or
    /// two): none on a clean line, so that FEC costs nothing there, otherwise
    /// `OpusSettings.lossyLineExpectedLoss`, the setting that scored best at every loss measured.
    public func adapt(toMeasuredLoss fraction: Double) throws {
        let clean = fraction.isNaN || fraction < OpusEncoder.cleanLineLoss
        let percent = clean ? 0 : OpusSettings.lossyLineExpectedLoss
        if percent != expectedLossPercent { try setExpectedLoss(percent: percent) }
    }

    /// Sets the constant bit rate (within `OpusSettings.bitrateRange`) from the next frame on.
    /// Allocates nothing.
    public func setBitrate(_ bitrate: Int32) throws {
        guard OpusSettings.bitrateRange.contains(bitrate) else {
            throw OpusError(code: OPUS_BAD_ARG, operation: "bit rate \(bitrate) (use 16000...64000)")
        }
        try OpusError.check(copus_set_bitrate(state, bitrate), "set bitrate")
    }

    /// The bit rate the encoder reports it is using.
    public var bitrate: Int32 {
        var v: Int32 = 0
        _ = copus_get_bitrate(state, &v)
        return v
    }
}
