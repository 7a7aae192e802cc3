import Foundation
import ParlorAudio
import ParlorTestSupport
import Testing

/// The engine's capture device changes while its audio thread runs, as when a member goes on
/// stage and leaves it (`Microphone`): the new device is read from the next period, and the old
/// one is closed only once the thread has left it.
@Suite struct CaptureSwitchTests {
    static let frame = 960

    /// Pops every captured frame the ring holds; returns how many had sound.
    static func drain(_ engine: AudioEngine) -> (frames: Int, loud: Int) {
        var buffer = [Int16](repeating: 0, count: frame)
        var frames = 0, loud = 0
        while buffer.withUnsafeMutableBufferPointer({ engine.captured.pop(into: $0) }) {
            frames += 1
            if buffer.contains(where: { abs(Int($0)) > 100 }) { loud += 1 }
        }
        return (frames, loud)
    }

    @Test func aRunningEngineMovesToTheMicrophoneAndClosesItOnTheWayBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Speech as the microphone hears it, long enough for every read here.
        let speech = try SpeechFixture.samples()
        let input = dir.path("mic.raw")
        try speech.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: input)) }
        let engine = AudioEngine(capture: NullAudioDevice(direction: .capture), playback: NullAudioDevice(direction: .playback),
                                 frameSamples: Self.frame, ringFrames: 64)
        try engine.start()
        defer { engine.stop() }
        Thread.sleep(forTimeInterval: 0.3)
        let silent = Self.drain(engine)
        #expect(silent.frames >= 8 && silent.loud == 0, "before the stage, silence: \(silent)")

        let microphone = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.captureConfig(from: input), .capture), frameSamples: Self.frame)
        #expect(engine.useCapture(microphone), "the silent device was let go")
        Thread.sleep(forTimeInterval: 0.5)
        let speaking = Self.drain(engine)
        #expect(speaking.loud >= 10, "on stage, the microphone is heard: \(speaking)")

        #expect(engine.useCapture(NullAudioDevice(direction: .capture)), "the microphone was closed at once")
        var probe = [Int16](repeating: 0, count: Self.frame)
        #expect(throws: ALSAError.self, "a closed device refuses to read") {
            _ = try probe.withUnsafeMutableBufferPointer { try microphone.read(into: $0) }
        }
        _ = Self.drain(engine)
        Thread.sleep(forTimeInterval: 0.3)
        let after = Self.drain(engine)
        #expect(after.frames >= 8 && after.loud == 0, "off the stage, silence again: \(after)")
    }
}
