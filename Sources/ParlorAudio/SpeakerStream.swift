/// One remote speaker as the client hears them: a `JitterBuffer` deciding, an `OpusDecoder`
/// carrying out its decisions (decode, FEC, PLC), fades at stream edges, a gain for the mixer,
/// and a level meter for the talking indicator (measured after decryption, before the gain).
/// Allocates nothing per frame.
public final class SpeakerStream {
    public let jitter: JitterBuffer
    public let decoder: OpusDecoder
    /// The listener's volume for this speaker (1 is as received).
    public var gain: Float = 1
    public private(set) var level = LevelMeter()
    /// Packets the decoder refused (corrupt after authentication: a broken sender).
    public private(set) var decodeErrors = 0
    /// Lost frames the decoder rebuilt from the next packet's FEC data (a packet without FEC
    /// data, as on a clean line or with FEC off, is concealment and does not count).
    public private(set) var recoveredByFEC = 0

    private let pcm: UnsafeMutableBufferPointer<Int16>

    public init(settings: OpusSettings = OpusSettings(), jitter: JitterBuffer.Configuration? = nil) throws {
        decoder = try OpusDecoder(frameSamples: settings.frameSamples)
        self.jitter = JitterBuffer(configuration: jitter ?? JitterBuffer.Configuration(frameMilliseconds: settings.frameMilliseconds))
        pcm = .allocate(capacity: settings.frameSamples)
        pcm.initialize(repeating: 0)
    }

    deinit { pcm.deallocate() }

    /// Hands a received (decrypted) packet to the jitter buffer.
    @discardableResult
    public func receive(sequence: UInt64, payload: UnsafeBufferPointer<UInt8>, arrival: Int64) -> JitterBuffer.Rejection? {
        jitter.insert(sequence: sequence, payload: payload, arrival: arrival)
    }

    /// Hands the jitter buffer a redundant copy of frame `sequence` that the packet `distance`
    /// frames later in this stream carried (`MediaFrameBody`); returns whether it was kept.
    @discardableResult
    public func receiveRedundant(sequence: UInt64, distance: Int, payload: UnsafeBufferPointer<UInt8>) -> Bool {
        jitter.insertRedundant(sequence: sequence, distance: distance, payload: payload)
    }

    /// Produces this tick's frame and returns it (valid until the next call).
    ///
    /// When the jitter buffer wants to drop a frame in a pause, the frame is decoded first and
    /// dropped only if it is quiet too; otherwise it is played (it is already in the output).
    public func render(now: Int64) -> UnsafeBufferPointer<Int16> {
        var decodedAhead: UInt64?
        let frame = jitter.next(now: now, quiet: !level.isTalking) { candidate in
            guard decode(candidate, fec: false) else { return true }
            decodedAhead = candidate
            var candidateLevel = LevelMeter()
            candidateLevel.measure(UnsafeBufferPointer(pcm))
            return !candidateLevel.isTalking
        }
        if let dropped = frame.dropped, dropped != decodedAhead { _ = decode(dropped, fec: false) }
        switch frame.kind {
        case .silence:
            pcm.update(repeating: 0)
        case .decode:
            if frame.sequence != decodedAhead, !decode(frame.sequence, fec: false) { conceal() }
        case .fec:
            let rebuilds = jitter.withPayload(frame.sequence) { OpusPacket.hasLBRR($0) }
            if !decode(frame.sequence, fec: true) {
                conceal()
            } else if rebuilds {
                recoveredByFEC += 1
            }
        case .conceal:
            conceal()
        }
        switch frame.fade {
        case .none: break
        case .fadeIn: ramp(rising: true)
        case .fadeOut: ramp(rising: false)
        }
        level.measure(UnsafeBufferPointer(pcm))
        return UnsafeBufferPointer(pcm)
    }

    private func decode(_ sequence: UInt64, fec: Bool) -> Bool {
        jitter.withPayload(sequence) { packet in
            guard packet.count > 0, (try? decoder.decode(packet, into: pcm, fec: fec)) == pcm.count else {
                decodeErrors += 1
                return false
            }
            return true
        }
    }

    private func conceal() {
        if (try? decoder.decode(nil, into: pcm)) != pcm.count { pcm.update(repeating: 0) }
    }

    private func ramp(rising: Bool) {
        let n = Float(pcm.count)
        for i in 0..<pcm.count {
            let g = rising ? Float(i) / n : 1 - Float(i + 1) / n
            pcm[i] = Int16(Float(pcm[i]) * g)
        }
    }
}
