import CAllocationCounter
import Foundation
@testable import ParlorClient
import ParlorAudio
import ParlorCrypto
import Testing

/// The per-speaker files' side of the media loop (`ReceivedFrameOutput`, `parlor listen
/// --per-speaker`): what the loop does for each verified frame it passes on, on the audio thread.
@Suite struct ReceivedFrameOutputTests {
    /// Frames kept by a sink on the writer thread.
    final class Kept: ReceivedFrameSink, @unchecked Sendable {
        private let lock = NSLock()
        private var frames: [(speaker: String, counter: UInt64, opus: [UInt8])] = []
        var count: Int { lock.withLock { frames.count } }
        var speakers: Set<String> { lock.withLock { Set(frames.map(\.speaker)) } }
        var counters: [UInt64] { lock.withLock { frames.map(\.counter) } }
        func received(speaker: String, keyID: UInt64, counter: UInt64, opus: UnsafeBufferPointer<UInt8>, arrival: Int64) {
            lock.withLock { frames.append((speaker, counter, Array(opus))) }
        }
        func close(at now: Int64) {}
    }

    /// Once a speaker has been heard, passing its frames on allocates nothing in the loop: a
    /// period that opens, verifies and queues a frame for the files counts 0 allocations (the
    /// interposed malloc of `parlor bench audio`), and every frame reaches the sink under the
    /// speaker's name, in order.
    @Test func passingAFrameToThePerSpeakerFilesAllocatesNothingInTheLoop() throws {
        let room = try MediaRoom()
        let spoken = try room.speak(120)
        let kept = Kept()
        var configuration = MediaPipeline.Configuration()
        configuration.receivedFrames = kept
        let me = Participant(key: room.listenerKey.publicKey, boxKey: SecureRandom.bytes(32), role: .listener, slot: 4)
        let pipeline = try MediaPipeline(configuration: configuration, suite: .chaCha20Poly1305SHA256, signingKey: room.listenerKey)
        pipeline.configure(epochs: room.epochs, stage: [room.victim, room.forgerParticipant], sending: nil, me: me)
        let play = UnsafeMutableBufferPointer<Int16>.allocate(capacity: OpusSettings().periodSamples)
        defer { play.deallocate() }
        var allocations: UInt = 0
        for (index, payload) in spoken.enumerated() {
            let now = Int64(index) * MediaAuthenticationTests.frame
            payload.withUnsafeBytes { pipeline.deliver($0, arrival: now) }
            // The first frames make the speaker's stream, verifier and tag: not counted.
            if index >= 20 { parlor_allocations_begin() }
            pipeline.period(captured: nil, play: play, now: now)
            pipeline.period(captured: nil, play: play, now: now + MediaAuthenticationTests.frame / 2)
            if index >= 20 { allocations += parlor_allocations_end() }
        }
        pipeline.close()
        #expect(allocations == 0, "\(allocations) allocations in 100 frames")
        #expect(kept.count == 120 && kept.counters == (0..<120).map(UInt64.init))
        #expect(kept.speakers == [room.victim.id.text])
    }
}
