import ParlorAudio
import ParlorCrypto
import ParlorProtocol

/// A listener's media path in a room of speakers, with no network, for `parlor bench audio`:
/// the product's `MediaPipeline` and `MediaHop`, keyed and signed as in a room, with the room's
/// default SFrame suite.
///
/// The remote speakers' own pipelines encode, sign and protect their frames, and a relay's
/// `MediaSender` seals each for the listener (`prepare`, not timed; `preparedPeriods` at a time,
/// so that their codecs do not evict the listener's from the cache every period, which a real
/// listener's machine does not suffer). Then `period` runs what the listener's client runs for
/// one 20 ms frame: the socket's reader opens each datagram with the hop and delivers its payload
/// to the loop's inbox; the loop's two 10 ms periods (what the audio thread calls) unprotect,
/// verify and buffer each, encode, sign, protect and frame the captured frame once it is whole,
/// seal it into a datagram for the socket, and decode and mix every speaker into what they
/// play. Every packet carries a redundant copy of the frame before it (docs/PROTOCOL.md §6.2),
/// as under loss: the heavier path, whose copies the listener parses and offers its jitter
/// buffers.
public final class MediaBenchmarkRoom {
    /// The speakers the listener hears.
    public let speakers: Int
    public let frameSamples: Int
    /// Samples of one period of the audio thread (`OpusSettings.periodSamples`).
    public let periodSamples: Int
    /// The frame the audio thread captured last (fill it before `period`).
    public let captured: UnsafeMutableBufferPointer<Int16>
    /// The mix the listener played last period.
    public let played: UnsafeMutableBufferPointer<Int16>
    /// The SFrame suite in use.
    public let suite: SFrameSuite

    private let listener: MediaPipeline
    private let hop: MediaHop
    private let remotes: [MediaPipeline]
    private let remoteOutputs: [PayloadCatcher]
    private var relay: MediaSender
    /// Periods the remote side prepares at once.
    public static let preparedPeriods = 50
    /// The datagrams the relay sealed for the listener, `speakers` a period, and their lengths.
    private let incoming: [UnsafeMutableRawBufferPointer]
    private var incomingLengths: [Int]
    /// Periods prepared and periods run.
    private var prepared = 0
    private var ran = 0
    /// The listener's own datagram as it left (bytes sent).
    public private(set) var bytesSent = 0

    /// A room of `speakers` remote speakers, each saying `voice(speaker)` frame after frame.
    public init(speakers: Int, settings: OpusSettings = OpusSettings(),
                voice: @escaping (Int, UnsafeMutableBufferPointer<Int16>) -> Void) throws {
        self.speakers = speakers
        frameSamples = settings.frameSamples
        periodSamples = settings.periodSamples
        let suite = SFrameSuite.preferred
        self.suite = suite
        let epoch: UInt64 = 1
        let secrets = [epoch: SecureRandom.bytes(32)]
        let keys = (0...speakers).map { _ in Ed25519SigningKey.generate() }
        let people = (0...speakers).map { index in
            Participant(key: keys[index].publicKey, boxKey: SecureRandom.bytes(32), role: .speaker, slot: UInt16(index + 1))
        }
        var configuration = MediaPipeline.Configuration()
        configuration.settings = settings
        configuration.adaptiveFEC = false
        configuration.redundantFrames = LossRedundancy.lossyLineDepth
        configuration.speaksCaptured = true
        // The capture chain is measured on its own, against the encoder alone (`AudioBenchmark`),
        // so that the path's figure stays comparable with libopus's.
        configuration.capture = .init(echoCancellation: false, noiseSuppression: false, automaticGain: false)
        let listener = try MediaPipeline(configuration: configuration, suite: suite, signingKey: keys[speakers])
        self.listener = listener
        let me = people[speakers]
        listener.configure(secrets: secrets, stage: Array(people[..<speakers]), sending: MediaPipeline.Sending(
            keyID: SFrameContext.keyID(epoch: epoch, senderSlot: me.slot), slot: me.slot), me: me)
        let up = SecureRandom.bytes(32), down = SecureRandom.bytes(32)
        let sentBox = SentBytes()
        hop = MediaHop(sender: MediaSender(key: up, peerReceiverIndex: 1), receiver: MediaReceiver(key: down, receiverIndex: 2)) { datagram in
            sentBox.count = datagram.count
            return true
        }
        sent = sentBox
        relay = MediaSender(key: down, peerReceiverIndex: 2)
        var remotes: [MediaPipeline] = [], outputs: [PayloadCatcher] = []
        for index in 0..<speakers {
            var remote = MediaPipeline.Configuration()
            remote.settings = settings
            remote.source = VoiceSource(speaker: index, voice: voice)
            remote.decode = false
            remote.adaptiveFEC = false
            remote.redundantFrames = LossRedundancy.lossyLineDepth
            let pipeline = try MediaPipeline(configuration: remote, suite: suite, signingKey: keys[index])
            let person = people[index]
            pipeline.configure(secrets: secrets, stage: [], sending: MediaPipeline.Sending(
                keyID: SFrameContext.keyID(epoch: epoch, senderSlot: person.slot), slot: person.slot), me: person)
            let output = PayloadCatcher()
            pipeline.uplink = output
            remotes.append(pipeline)
            outputs.append(output)
        }
        self.remotes = remotes
        remoteOutputs = outputs
        incoming = (0..<speakers * Self.preparedPeriods).map { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: MediaDatagram.maximumLength, alignment: 8)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            return buffer
        }
        incomingLengths = [Int](repeating: 0, count: speakers * Self.preparedPeriods)
        captured = .allocate(capacity: settings.frameSamples)
        captured.initialize(repeating: 0)
        played = .allocate(capacity: settings.frameSamples)
        played.initialize(repeating: 0)
        listener.uplink = hop
    }

    private let sent: SentBytes

    deinit {
        for buffer in incoming { buffer.deallocate() }
        captured.deallocate()
        played.deallocate()
    }

    /// The remote side of the next period: when none is left prepared, each speaker's pipeline
    /// sends `preparedPeriods` frames and the relay seals each for the listener. Not part of the
    /// listener's path.
    public func prepare(now: Int64) throws {
        guard prepared == ran else { return }
        for period in 0..<Self.preparedPeriods {
            for index in 0..<speakers {
                remotes[index].tick(now: now + Int64(period) * Int64(frameSamples) * 1_000_000_000 / Int64(OpusSettings.sampleRate))
                let slot = period * speakers + index
                incomingLengths[slot] = try relay.seal(UnsafeRawBufferPointer(remoteOutputs[index].payload), into: incoming[slot])
            }
        }
        prepared += Self.preparedPeriods
    }

    /// One frame of the listener's client, in its audio thread's periods: the speakers'
    /// datagrams in, its own frame out, the mix played. Allocates nothing once every speaker has
    /// been heard.
    public func period(now: Int64) {
        let first = (ran % Self.preparedPeriods) * speakers
        for slot in first..<first + speakers where ran < prepared {
            let datagram = UnsafeMutableRawBufferPointer(rebasing: incoming[slot][..<incomingLengths[slot]])
            if let opened = hop.open(datagram), opened.kind == .media { listener.deliver(UnsafeRawBufferPointer(opened.payload), arrival: now) }
        }
        ran += 1
        // The audio thread's periods of the frame (10 ms each, as `RoomClient`'s engine runs them).
        let periodNanoseconds = Int64(periodSamples) * 1_000_000_000 / Int64(OpusSettings.sampleRate)
        for start in stride(from: 0, to: frameSamples, by: periodSamples) {
            let range = start ..< start + periodSamples
            listener.period(captured: UnsafeBufferPointer(rebasing: captured[range]), play: UnsafeMutableBufferPointer(rebasing: played[range]),
                            now: now + Int64(start / periodSamples) * periodNanoseconds)
        }
        bytesSent = sent.count
    }

    /// Each speaker's jitter-buffer counters at the listener.
    public var jitterCounters: [JitterBuffer.Counters] { listener.jitterCounters }

    /// What the listener's pipeline counted.
    public var statistics: MediaStatistics { listener.snapshot }
}

/// The last payload a remote speaker's pipeline sent (copied into a buffer made once).
private final class PayloadCatcher: MediaUplink {
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: MediaPayload.maximumLength, alignment: 8)
    private var length = 0

    var payload: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: buffer[..<length]) }

    deinit { buffer.deallocate() }

    func send(payload: UnsafeRawBufferPointer) -> Bool {
        buffer.copyMemory(from: payload)
        length = payload.count
        return true
    }
}

/// A remote speaker's voice, frame after frame.
private final class VoiceSource: FrameSource {
    let speaker: Int
    let voice: (Int, UnsafeMutableBufferPointer<Int16>) -> Void

    init(speaker: Int, voice: @escaping (Int, UnsafeMutableBufferPointer<Int16>) -> Void) {
        self.speaker = speaker
        self.voice = voice
    }

    func read(into frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
        voice(speaker, frame)
        return true
    }
}

/// Bytes of the listener's last datagram.
private final class SentBytes: @unchecked Sendable {
    var count = 0
}
