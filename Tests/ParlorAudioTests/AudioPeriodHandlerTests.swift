import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

/// The engine running a room's loop: an attached handler turns each period's captured frame into
/// the frame played, in the same period, on the audio thread; the `file` plugin does not pace
/// (the thread's clock does) and a device that does pace is the only wait.
@Suite(.serialized) struct AudioPeriodHandlerTests {
    /// Plays back what it was given, negated, and counts its periods.
    final class Echo: AudioPeriodHandler, @unchecked Sendable {
        var periods = 0
        var withoutCapture = 0
        func period(captured: UnsafeBufferPointer<Int16>?, play: UnsafeMutableBufferPointer<Int16>, now: Int64) {
            periods += 1
            guard let captured else {
                withoutCapture += 1
                return play.update(repeating: 0)
            }
            for i in 0..<play.count { play[i] = captured[i] == Int16.min ? Int16.max : -captured[i] }
        }
    }

    /// A capture device that paces like a sound card: each read takes 5 ms of real time.
    final class PacedMicrophone: AudioDevice {
        let name = "paced"
        let direction = ALSAPCM.Direction.capture
        let xrunsRecovered = 0
        let pacesInRealTime = true
        func read(into frame: UnsafeMutableBufferPointer<Int16>) throws -> Int {
            usleep(5_000)
            frame.update(repeating: 1)
            return frame.count
        }
        func write(_ frame: UnsafeBufferPointer<Int16>) throws -> Int { 0 }
        func close() {}
    }

    @Test func theHandlerTurnsEachCapturedFrameIntoTheFramePlayed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input: [Int16] = (0..<(960 * 10)).map { Int16(truncatingIfNeeded: $0 &* 7) }
        try input.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir.path("in.raw"))) }
        let capture = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.captureConfig(from: dir.path("in.raw")), .capture), frameSamples: 960)
        let playback = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.playbackConfig(to: dir.path("out.raw")), .playback), frameSamples: 960)
        #expect(!capture.pacesInRealTime && !playback.pacesInRealTime, "the file plugin does not pace")
        let clock = ManualAudioClock()
        let engine = AudioEngine(capture: capture, playback: playback, frameSamples: 960, clock: clock)
        #expect(!engine.pacedByDevice)
        let echo = Echo()
        engine.attach(echo)
        var deadline = clock.now()
        for _ in 0..<10 { deadline = engine.step(from: deadline) }
        #expect(deadline == 10 * engine.periodNanoseconds, "self-paced: the clock moved a period a step")
        engine.attach(nil)
        _ = engine.step(from: deadline)
        capture.close()
        playback.close()
        #expect(echo.periods == 10 && echo.withoutCapture == 0)
        #expect(engine.captured.count == 1, "detached: the captured frame goes to the ring again")
        let played = try Data(contentsOf: URL(fileURLWithPath: dir.path("out.raw"))).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(played.count == 11 * 960)
        #expect(Array(played.prefix(10 * 960)) == input.map { $0 == Int16.min ? Int16.max : -$0 })
    }

    @Test func aDeviceThatPacesIsTheOnlyWait() throws {
        let clock = ManualAudioClock()
        let engine = AudioEngine(capture: PacedMicrophone(), playback: NullAudioDevice(direction: .playback), frameSamples: 960, clock: clock)
        #expect(engine.pacedByDevice)
        let echo = Echo()
        engine.attach(echo)
        var deadline: Int64 = 0
        for _ in 0..<5 { deadline = engine.step(from: deadline) }
        #expect(clock.now() == 0, "the engine never slept on its own clock")
        #expect(echo.periods == 5)
    }
}
