import CAllocationCounter
import Foundation
import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol

/// `parlor bench audio`: the CPU each piece of the client's audio path costs per 20 ms frame,
/// and the product's whole path per period against libopus's own 1 encode + 4 decodes measured
/// in the same run. Allocations on the path are counted by interposing malloc for the
/// benchmark's thread (CAllocationCounter).
///
/// The path is the client's own code (`MediaBenchmarkRoom`): its `MediaPipeline` and `MediaHop`
/// with the room's default SFrame suite. Per period: 4 datagrams opened by the hop, unprotected,
/// their frame signatures checked, into the jitter buffers; the captured frame encoded, signed
/// (docs/PROTOCOL.md §6.4), protected, framed and sealed into a datagram; 4 decodes and the mix
/// into the playback ring. The signatures are also measured on their own.
public enum AudioBenchmark {
    /// Remote speakers in the benchmark's room.
    public static let speakers = 4
    /// The client path's cost the project holds itself to, against libopus alone (issue #15).
    public static let ratioLimit = 1.15
    /// The capture chain's cost the project holds itself to, against the encoder alone (issue #17).
    public static let captureChainRatioLimit = 2.0

    /// CPU time per frame, in microseconds, and allocations per frame on the path.
    public struct Report: Codable, Sendable {
        public var frames: Int
        public var encodeMicroseconds: Double
        public var decodeMicroseconds: Double
        public var jitterBufferMicroseconds: Double
        public var mixMicroseconds: Double
        /// SFrame protect + unprotect and the hop's seal + open, of one 80-byte frame, in place.
        public var cryptoMicroseconds: Double
        /// The SFrame suite the path used.
        public var sframeSuite: String
        /// libopus alone: 1 encode + 4 decodes.
        public var opusBaselineMicroseconds: Double
        /// The client path: 4 × (hop open, unprotect, verify, jitter buffer, decode) + 1 encode,
        /// sign, protect, seal + mix.
        public var clientPathMicroseconds: Double
        public var clientPathRatio: Double
        public var allocationsPerFrame: Double
        /// One period of the audio thread's work (capture, rings, playback) on ALSA devices.
        public var audioThreadMicroseconds: Double
        /// Allocations per period on the audio thread (must be 0).
        public var audioThreadAllocationsPerPeriod: Double
        /// The devices the audio thread's period was measured on.
        public var audioThreadDevices: String
        /// Bytes each frame carries for the speaker's signature (the auth chunk).
        public var frameSignatureBytes: Int
        /// A speaker signing its frames, and a listener verifying one speaker's, per frame.
        public var frameSignMicroseconds: Double
        public var frameVerifyMicroseconds: Double
        /// Allocations per frame of signing and of verifying (both 0).
        public var frameSignAllocationsPerFrame: Double
        public var frameVerifyAllocationsPerFrame: Double
        /// The capture chain (`CaptureProcessor` with its defaults: echo cancellation against a
        /// played frame, noise suppression, gain control) and the encode, per frame; against
        /// `encodeMicroseconds`; and its allocations per frame (0).
        public var captureChainMicroseconds: Double
        public var captureChainRatio: Double
        public var captureChainAllocationsPerFrame: Double

        /// The signature checks' part of `clientPathRatio`: `AudioBenchmark.speakers` speakers'
        /// checks a frame, each `frameVerifyMicroseconds`, against libopus alone.
        public var signatureCheckRatio: Double {
            frameVerifyMicroseconds * Double(AudioBenchmark.speakers) / opusBaselineMicroseconds
        }

        /// The figures, one a line.
        public var text: String {
            func us(_ v: Double) -> String { String(format: "%8.1f µs", v) }
            return """
                audio benchmark, \(frames) frames of 20 ms (CPU time per frame)
                  encode                          \(us(encodeMicroseconds))
                  decode                          \(us(decodeMicroseconds))
                  jitter buffer (insert + next)   \(us(jitterBufferMicroseconds))
                  mix of \(AudioBenchmark.speakers) speakers                \(us(mixMicroseconds))
                  crypto (SFrame + hop, in place) \(us(cryptoMicroseconds))
                  libopus: 1 encode + \(AudioBenchmark.speakers) decodes      \(us(opusBaselineMicroseconds))
                  client path (MediaPipeline, \(sframeSuite)) \(us(clientPathMicroseconds))
                  client path / libopus           \(String(format: "%8.3f", clientPathRatio)) (limit \(String(format: "%.2f", AudioBenchmark.ratioLimit)))
                    of which signature checks     \(String(format: "%8.3f", signatureCheckRatio)) (\(AudioBenchmark.speakers) × verify µs/frame)
                  allocations per period on the path \(String(format: "%6.2f", allocationsPerFrame))
                  audio thread period (\(audioThreadDevices)) \(us(audioThreadMicroseconds))
                  allocations per audio thread period \(String(format: "%6.2f", audioThreadAllocationsPerPeriod))
                  frame signatures: +\(frameSignatureBytes) bytes/frame
                    sign µs/frame (1 Ed25519 per \(FrameAuthentication.framesPerBatch))  \(us(frameSignMicroseconds))
                    verify µs/frame (1 per \(FrameAuthentication.framesPerBatch))        \(us(frameVerifyMicroseconds))
                    allocations per frame: sign \(String(format: "%.2f", frameSignAllocationsPerFrame)), verify \(String(format: "%.2f", frameVerifyAllocationsPerFrame))
                  capture chain (AEC + NS + AGC + encode) \(us(captureChainMicroseconds))
                  capture chain / encode          \(String(format: "%8.3f", captureChainRatio)) (limit \(String(format: "%.1f", AudioBenchmark.captureChainRatioLimit)))
                  allocations per capture chain frame \(String(format: "%6.2f", captureChainAllocationsPerFrame))
                """
        }

        public var json: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
        }
    }

    /// Runs every measurement over `frames` frames. With `wavPath` the client path's mix is also
    /// written there (a file that stays valid if the benchmark is interrupted).
    public static func run(frames: Int = 2_000, wavPath: String? = nil) throws -> Report {
        let setup = try Setup(frames: max(frames, 1))
        let writer = try wavPath.map { try WAVWriter(path: $0) }
        defer { writer?.close() }
        var report = Report(frames: setup.frames, encodeMicroseconds: 0, decodeMicroseconds: 0, jitterBufferMicroseconds: 0,
                            mixMicroseconds: 0, cryptoMicroseconds: 0, sframeSuite: "\(setup.room.suite)", opusBaselineMicroseconds: 0,
                            clientPathMicroseconds: 0, clientPathRatio: 0, allocationsPerFrame: 0,
                            audioThreadMicroseconds: 0, audioThreadAllocationsPerPeriod: 0,
                            audioThreadDevices: setup.engineDevices, frameSignatureBytes: FrameAuthentication.chunkLength,
                            frameSignMicroseconds: 0, frameVerifyMicroseconds: 0,
                            frameSignAllocationsPerFrame: 0, frameVerifyAllocationsPerFrame: 0,
                            captureChainMicroseconds: 0, captureChainRatio: 0, captureChainAllocationsPerFrame: 0)
        // The client path and libopus alone in alternating blocks, so that neither is timed on a
        // colder cache or a busier machine than the other.
        let prepareRoom: (Int) throws -> Void = { f in try setup.room.prepare(now: Int64(f) * 20_000_000) }
        let clientFrame: (Int) throws -> Void = { f in try setup.clientFrame(f, writer: writer) }
        let opusAlone: (Int) throws -> Void = { f in
            try setup.encode()
            for s in 0..<speakers { try setup.decode(speaker: s, frame: f) }
        }
        try setup.warmUp(prepare: prepareRoom, clientFrame)
        try setup.warmUp(opusAlone)
        var allocations: UInt = 0, ignored: UInt = 0
        var pathSeconds = 0.0, opusSeconds = 0.0
        for block in setup.blocks {
            pathSeconds += try setup.cpuSeconds(block, countingAllocations: &allocations, prepare: prepareRoom, clientFrame)
            opusSeconds += try setup.cpuSeconds(block, countingAllocations: &ignored, opusAlone)
        }
        guard setup.room.statistics.packetsRejected == 0, setup.room.statistics.batchesVerified > 0 else {
            throw CryptoError.authenticationFailed
        }
        report.clientPathMicroseconds = pathSeconds / Double(setup.frames) * 1e6
        report.opusBaselineMicroseconds = opusSeconds / Double(setup.frames) * 1e6
        report.encodeMicroseconds = try setup.perFrame { _ in try setup.encode() }
        report.decodeMicroseconds = try setup.perFrame { f in try setup.decode(speaker: 0, frame: f) }
        report.jitterBufferMicroseconds = setup.perFrameJitter()
        report.mixMicroseconds = setup.perFrame { _ in setup.mix() }
        report.cryptoMicroseconds = try setup.perFrame { _ in try setup.crypto() }
        report.clientPathRatio = report.clientPathMicroseconds / report.opusBaselineMicroseconds
        report.allocationsPerFrame = Double(allocations) / Double(setup.frames)
        var engineAllocations: UInt = 0
        report.audioThreadMicroseconds = setup.perFrame(countingAllocations: &engineAllocations) { _ in setup.enginePeriod() }
        report.audioThreadAllocationsPerPeriod = Double(engineAllocations) / Double(setup.frames)
        var signAllocations: UInt = 0, verifyAllocations: UInt = 0
        report.frameSignMicroseconds = setup.perFrame(countingAllocations: &signAllocations) { f in setup.signFrame(f) }
        report.frameVerifyMicroseconds = setup.perFrame(countingAllocations: &verifyAllocations) { f in setup.verifyFrame(f) }
        guard setup.verifier.totals.forged == 0, setup.verifier.totals.verified > 0 else {
            throw CryptoError.badSignature
        }
        report.frameSignAllocationsPerFrame = Double(signAllocations) / Double(setup.frames)
        report.frameVerifyAllocationsPerFrame = Double(verifyAllocations) / Double(setup.frames)
        var captureAllocations: UInt = 0
        report.captureChainMicroseconds = try setup.perFrame(countingAllocations: &captureAllocations) { f in try setup.captureChain(f) }
        report.captureChainAllocationsPerFrame = Double(captureAllocations) / Double(setup.frames)
        report.captureChainRatio = report.captureChainMicroseconds / report.encodeMicroseconds
        return report
    }

    /// Everything made before timing starts: signal, packets, codecs, keys, buffers.
    final class Setup {
        let frames: Int
        let frameSamples: Int
        let signal: [Int16]
        let packets: [[UInt8]]
        let encoder: OpusEncoder
        let decoders: [OpusDecoder]
        /// The product's path: a listener's pipeline and hop in a room of `speakers`.
        let room: MediaBenchmarkRoom
        let jitterOnly: JitterBuffer
        let mixer: Mixer
        /// The crypto alone, in place, as the path calls it.
        var sframeOut: SFrameContext
        var sframeIn: SFrameContext
        var hopOut: MediaSender
        var hopIn: MediaReceiver
        let sframeBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: MediaPayload.maximumLength, alignment: 8)
        let datagramBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: MediaDatagram.maximumLength, alignment: 8)
        /// The audio thread's work, stepped here on this thread so that it can be timed and its
        /// allocations counted: ALSA's `null` devices through the real alsa-lib where they open.
        let engine: AudioEngine
        let engineDevices: String
        var frame: [Int16]
        var mixed: [Int16]
        var packet = [UInt8](repeating: 0, count: OpusSettings.maxPacketBytes)
        var decoded: [Int16]
        /// The product's capture chain with its defaults, and the frame it takes as played.
        let captureProcessor: CaptureProcessor
        var played: [Int16]
        static let cycle = 250
        /// Frames between two speakers' points in the voice.
        static let voiceOffset = 61
        /// A speaker's frame signer and a listener's verifier of its KID, with the auth chunks
        /// of every frame the verification loop feeds (counters 0 up, as `perFrame` numbers them).
        static let keyID = SFrameContext.keyID(epoch: 1, senderSlot: 2)
        let signer: FrameSigner
        let verifier: FrameVerifier
        let chunks: [[UInt8]]
        var chunk = [UInt8](repeating: 0, count: FrameAuthentication.chunkLength)

        init(frames: Int) throws {
            guard Sodium.initialize() else { throw CryptoError.libraryUnavailable }
            self.frames = frames
            let settings = OpusSettings()
            frameSamples = settings.frameSamples
            signal = Setup.voiceLike(samples: Setup.cycle * settings.frameSamples)
            encoder = try OpusEncoder(settings: settings)
            let remote = try OpusEncoder(settings: settings)
            var packets: [[UInt8]] = []
            for f in 0..<Setup.cycle {
                packets.append(try remote.encode(Array(signal[f * settings.frameSamples ..< (f + 1) * settings.frameSamples])))
            }
            self.packets = packets
            decoders = try (0..<AudioBenchmark.speakers).map { _ in try OpusDecoder(frameSamples: settings.frameSamples) }
            let signal = self.signal, samples = settings.frameSamples
            var positions = [Int](repeating: 0, count: AudioBenchmark.speakers)
            // Each speaker says the same voice from another point in it, frame after frame.
            room = try MediaBenchmarkRoom(speakers: AudioBenchmark.speakers, settings: settings) { speaker, out in
                let start = ((positions[speaker] + speaker * Setup.voiceOffset) % Setup.cycle) * samples
                positions[speaker] += 1
                signal.withUnsafeBufferPointer { _ = out.update(fromContentsOf: UnsafeBufferPointer(rebasing: $0[start ..< start + samples])) }
            }
            sframeOut = try SFrameContext(suite: room.suite)
            sframeIn = try SFrameContext(suite: room.suite)
            let base = SecureRandom.bytes(32)
            try sframeOut.setKey(base, keyID: Setup.keyID)
            try sframeIn.setKey(base, keyID: Setup.keyID)
            let hopKey = SecureRandom.bytes(32)
            hopOut = MediaSender(key: hopKey, peerReceiverIndex: 3)
            hopIn = MediaReceiver(key: hopKey, receiverIndex: 3)
            jitterOnly = JitterBuffer()
            mixer = Mixer(frameSamples: settings.frameSamples)
            let capture = AudioDevices.open(name: "null", direction: .capture, frameSamples: settings.frameSamples)
            let playback = AudioDevices.open(name: "null", direction: .playback, frameSamples: settings.frameSamples)
            engine = AudioEngine(capture: capture.device, playback: playback.device, frameSamples: settings.frameSamples,
                                 clock: ManualAudioClock())
            engineDevices = capture.fallbackReason == nil && playback.fallbackReason == nil ? "ALSA null" : "silent null"
            frame = [Int16](repeating: 0, count: settings.frameSamples)
            mixed = frame
            decoded = frame
            played = frame
            captureProcessor = CaptureProcessor(frameSamples: settings.frameSamples)
            let memberKey = Ed25519SigningKey.generate()
            signer = FrameSigner(signingKey: memberKey)
            verifier = try FrameVerifier(keyID: Setup.keyID, publicKey: memberKey.publicKey)
            let speaker = FrameSigner(signingKey: memberKey)
            chunks = (0..<frames + Setup.warmUpFrames).map { f in
                var chunk = [UInt8](repeating: 0, count: FrameAuthentication.chunkLength)
                packets[f % Setup.cycle].withUnsafeBufferPointer { opus in
                    chunk.withUnsafeMutableBufferPointer { speaker.authenticate(keyID: Setup.keyID, counter: UInt64(f), opus: opus, chunk: $0) }
                }
                return chunk
            }
        }

        deinit {
            sframeBuffer.deallocate()
            datagramBuffer.deallocate()
        }

        /// A vowel-like signal: harmonics of a wavering 130 Hz voice, syllables at 4 Hz, a little noise.
        static func voiceLike(samples: Int) -> [Int16] {
            var noise: UInt32 = 1
            return (0..<samples).map { i in
                let t = Double(i) / 48_000
                let f0 = 130 * (1 + 0.05 * sin(2 * .pi * 3 * t))
                var v = 0.0
                for h in 1...12 { v += sin(2 * .pi * f0 * Double(h) * t) / Double(h) }
                noise = noise &* 1_664_525 &+ 1_013_904_223
                let envelope = 0.5 + 0.5 * sin(2 * .pi * 4 * t)
                return Int16(clamping: Int(envelope * 6_000 * v + Double(Int32(bitPattern: noise) >> 20)))
            }
        }

        func loadFrame(_ f: Int) {
            let start = (f % Setup.cycle) * frameSamples
            frame.withUnsafeMutableBufferPointer { out in
                signal.withUnsafeBufferPointer { _ = out.update(fromContentsOf: UnsafeBufferPointer(rebasing: $0[start ..< start + frameSamples])) }
            }
        }

        @discardableResult
        func encode() throws -> Int {
            try frame.withUnsafeBufferPointer { pcm in try packet.withUnsafeMutableBufferPointer { try encoder.encode(pcm, into: $0) } }
        }

        /// Decodes speaker `speaker`'s frame `f`: each speaker says the voice from its own point
        /// (`voiceOffset`), as in the path, so that libopus alone does not decode one packet four
        /// times over (which its caches and branch predictors make cheaper than four streams).
        func decode(speaker: Int, frame f: Int) throws {
            _ = try packets[(f + speaker * Setup.voiceOffset) % Setup.cycle].withUnsafeBufferPointer { p in
                try decoded.withUnsafeMutableBufferPointer { try decoders[speaker].decode(p, into: $0) }
            }
        }

        func mix() {
            mixer.begin()
            decoded.withUnsafeBufferPointer { for _ in 0..<AudioBenchmark.speakers { mixer.add($0, gain: 0.8) } }
            mixed.withUnsafeMutableBufferPointer { mixer.finish(into: $0) }
        }

        /// The path's crypto on one 80-byte frame (32 kbit/s), in place: SFrame protect and
        /// unprotect, the hop's seal and open.
        func crypto() throws {
            let length = 80
            let sframe = try packet.withUnsafeBytes { plain in
                try sframeOut.protect(UnsafeRawBufferPointer(rebasing: plain[..<length]), keyID: Setup.keyID, into: sframeBuffer)
            }
            let sealed = try hopOut.seal(UnsafeRawBufferPointer(rebasing: sframeBuffer[..<sframe]), into: datagramBuffer)
            let opened = try hopIn.open(in: UnsafeMutableRawBufferPointer(rebasing: datagramBuffer[..<sealed]))
            _ = try sframeIn.unprotect(in: UnsafeMutableRawBufferPointer(rebasing: datagramBuffer[opened.payload]))
        }

        /// Frames each measurement runs before it is timed.
        static let warmUpFrames = 50

        /// One period of the client's path (`MediaBenchmarkRoom.period`) on frame `f`.
        func clientFrame(_ f: Int, writer: WAVWriter?) throws {
            frame.withUnsafeBufferPointer { _ = room.captured.update(fromContentsOf: $0) }
            room.period(now: Int64(f) * 20_000_000)
            try writer?.write(UnsafeBufferPointer(room.played))
        }

        /// One audio thread period with the other sides' work around it: the mixer's frame
        /// pushed to the playback ring, the period, the captured frame popped for the encoder.
        /// The speaker's side: the auth chunk of frame `f` (a signature when a batch completes).
        func signFrame(_ f: Int) {
            packets[f % Setup.cycle].withUnsafeBufferPointer { opus in
                chunk.withUnsafeMutableBufferPointer { signer.authenticate(keyID: Setup.keyID, counter: UInt64(f), opus: opus, chunk: $0) }
            }
        }

        /// A listener's side: frame `f` into the verifier (a verification when a batch is whole).
        func verifyFrame(_ f: Int) {
            chunks[f].withUnsafeBufferPointer { chunk in
                _ = packets[f % Setup.cycle].withUnsafeBufferPointer { verifier.receive(counter: UInt64(f), chunk: chunk, opus: $0) }
            }
        }

        /// A speaker's capture path: the loop's last played frame (the voice from another point
        /// in it) handed to the chain, the captured frame processed in place and encoded.
        func captureChain(_ f: Int) throws {
            let start = ((f + Setup.voiceOffset) % Setup.cycle) * frameSamples
            played.withUnsafeMutableBufferPointer { out in
                signal.withUnsafeBufferPointer { _ = out.update(fromContentsOf: UnsafeBufferPointer(rebasing: $0[start ..< start + frameSamples])) }
            }
            played.withUnsafeBufferPointer { captureProcessor.played($0) }
            frame.withUnsafeMutableBufferPointer { captureProcessor.process($0) }
            try encode()
        }

        func enginePeriod() {
            _ = mixed.withUnsafeBufferPointer { engine.toPlay.push($0) }
            engine.runPeriod()
            _ = frame.withUnsafeMutableBufferPointer { engine.captured.pop(into: $0) }
        }

        /// CPU time per frame of `body`, in microseconds (this thread's CPU clock).
        func perFrame(_ body: (Int) throws -> Void) rethrows -> Double {
            var ignored: UInt = 0
            return try perFrame(countingAllocations: &ignored, body)
        }

        func perFrame(countingAllocations allocations: inout UInt, _ body: (Int) throws -> Void) rethrows -> Double {
            try perFrame(countingAllocations: &allocations, prepare: { _ in }, body)
        }

        /// CPU time per frame of `body`, with `prepare` run before each frame outside the timing
        /// and the count.
        func perFrame(countingAllocations allocations: inout UInt, prepare: (Int) throws -> Void,
                      _ body: (Int) throws -> Void) rethrows -> Double {
            try warmUp(prepare: prepare, body)
            allocations = 0
            return try cpuSeconds(0..<frames, countingAllocations: &allocations, prepare: prepare, body) / Double(frames) * 1e6
        }

        /// Runs `body` on the first frames, untimed: first-use allocations (a speaker's stream
        /// when it is first heard), cold caches.
        func warmUp(prepare: (Int) throws -> Void = { _ in }, _ body: (Int) throws -> Void) rethrows {
            for f in 0..<min(Setup.warmUpFrames, frames) { loadFrame(f); try prepare(f); try body(f) }
        }

        /// Blocks the timed frames are split into when two paths are measured in turns.
        static let blockCount = 10
        var blocks: [Range<Int>] {
            (0..<Setup.blockCount).map { frames * $0 / Setup.blockCount ..< frames * ($0 + 1) / Setup.blockCount }
        }

        /// This thread's CPU seconds for `body` over timed frames `range` (numbered after the
        /// warm-up's), with `prepare` run before each outside the timing; adds the allocations
        /// `body` made to `allocations`.
        func cpuSeconds(_ range: Range<Int>, countingAllocations allocations: inout UInt, prepare: (Int) throws -> Void = { _ in },
                        _ body: (Int) throws -> Void) rethrows -> Double {
            var cpu: Double = 0
            for f in range {
                loadFrame(f)
                try prepare(f + Setup.warmUpFrames)
                let start = Setup.threadCPU()
                parlor_allocations_begin()
                try body(f + Setup.warmUpFrames)
                allocations += parlor_allocations_end()
                cpu += Setup.threadCPU() - start
            }
            return cpu
        }

        /// The jitter buffer alone: one insert and one decision a frame, playing 60 ms behind.
        func perFrameJitter() -> Double {
            perFrame { f in
                _ = packets[f % Setup.cycle].withUnsafeBufferPointer {
                    jitterOnly.insert(sequence: UInt64(f), payload: $0, arrival: Int64(f) * 20_000_000)
                }
                _ = jitterOnly.next(now: Int64(f) * 20_000_000 + 60_000_000)
            }
        }

        static func threadCPU() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
    }
}
