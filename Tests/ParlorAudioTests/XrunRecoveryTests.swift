import Foundation
import Glibc
import ParlorTestSupport
import Testing
@testable import ParlorAudio

/// Xruns on real alsa-lib streams. The `file` and `null` plugins never underrun (they do not run
/// in real time), so `XrunInjector` makes chosen reads and writes fail as a sound card does;
/// the engine's device then calls `snd_pcm_recover` on the real handle, counts the xrun, and the
/// audio carries on. What the injector saw of the stream's state shows recovery really ran.
@Suite(.serialized) struct XrunRecoveryTests {
    static let frame = 960
    static let frames = 12
    /// Distinct frames, so that a lost, repeated or reordered frame shows.
    static let input: [Int16] = (0..<(frame * frames)).map { Int16(truncatingIfNeeded: $0 &* 13 &+ 7) }

    /// A playback `file` device with `injector` in its way, and an engine stepping it.
    static func playbackEngine(_ dir: TemporaryDirectory, _ injector: XrunInjector) throws -> (AudioEngine, ALSAAudioDevice) {
        let pcm = try HermeticALSA.open(HermeticALSA.playbackConfig(to: dir.path("out.raw")), .playback)
        pcm.transfers = injector
        let playback = try ALSAAudioDevice(pcm: pcm, frameSamples: frame)
        let engine = AudioEngine(capture: NullAudioDevice(direction: .capture), playback: playback,
                                 frameSamples: frame, clock: ManualAudioClock())
        return (engine, playback)
    }

    /// Pushes each input frame and runs a period for it; returns what the file device played.
    static func play(through engine: AudioEngine, _ playback: ALSAAudioDevice, dir: TemporaryDirectory) throws -> [Int16] {
        input.withUnsafeBufferPointer { all in
            for f in 0..<frames {
                #expect(engine.toPlay.push(UnsafeBufferPointer(rebasing: all[f * frame ..< (f + 1) * frame])))
                engine.runPeriod()
            }
        }
        playback.close()
        return try Data(contentsOf: URL(fileURLWithPath: dir.path("out.raw"))).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
    }

    @Test func playbackUnderrunIsRecoveredAndEveryFrameStillPlays() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let injector = XrunInjector(faults: [4: XrunInjector.xrun])
        let (engine, playback) = try Self.playbackEngine(dir, injector)
        let played = try Self.play(through: engine, playback, dir: dir)

        #expect(engine.statistics.xruns == 1)
        #expect(engine.statistics.deviceErrors == 0)
        // One call more than periods: the failed write was retried after recovery.
        #expect(injector.calls == Self.frames + 1)
        // The stream ran until the underrun; snd_pcm_recover prepared the real stream again,
        // and the retried write started it once more.
        #expect(injector.states[4] == .running)
        #expect(injector.states[5] == .prepared, "states \(injector.states)")
        #expect(injector.states[6] == .running)
        #expect(played == Self.input, "every frame, the one at the underrun and those after it, is played once, in order")
    }

    @Test func captureOverrunIsRecoveredAndCaptureCarriesOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.input.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir.path("in.raw"))) }
        let pcm = try HermeticALSA.open(HermeticALSA.captureConfig(from: dir.path("in.raw")), .capture)
        let injector = XrunInjector(faults: [3: XrunInjector.xrun])
        pcm.transfers = injector
        let capture = try ALSAAudioDevice(pcm: pcm, frameSamples: Self.frame)
        let engine = AudioEngine(capture: capture, playback: NullAudioDevice(direction: .playback),
                                 frameSamples: Self.frame, clock: ManualAudioClock())
        var captured: [Int16] = []
        var frame = [Int16](repeating: 0, count: Self.frame)
        for _ in 0..<Self.frames {
            engine.runPeriod()
            #expect(frame.withUnsafeMutableBufferPointer { engine.captured.pop(into: $0) }, "a frame every period, the xrun's too")
            captured += frame
        }
        capture.close()
        #expect(engine.statistics.xruns == 1)
        #expect(engine.statistics.deviceErrors == 0)
        #expect(injector.states[4] == .prepared, "states \(injector.states)")
        #expect(captured == Self.input)
    }

    /// A suspend (-ESTRPIPE) is resumed or re-prepared by snd_pcm_recover and counted too.
    @Test func suspendIsRecoveredFrom() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let injector = XrunInjector(faults: [2: XrunInjector.suspend])
        let (engine, playback) = try Self.playbackEngine(dir, injector)
        let played = try Self.play(through: engine, playback, dir: dir)
        #expect(engine.statistics.xruns == 1)
        #expect(engine.statistics.deviceErrors == 0)
        #expect(played == Self.input)
    }

    /// An error snd_pcm_recover cannot mend (the card is gone) is counted as a device error, the
    /// frame is lost, and the engine goes on with the next period rather than stopping.
    @Test func unrecoverableErrorIsCountedAndTheEngineGoesOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let injector = XrunInjector(faults: [5: -ENODEV])
        let (engine, playback) = try Self.playbackEngine(dir, injector)
        let played = try Self.play(through: engine, playback, dir: dir)
        #expect(engine.statistics.xruns == 0)
        #expect(engine.statistics.deviceErrors == 1)
        let lost = 5 * Self.frame ..< 6 * Self.frame
        #expect(played == Array(Self.input[..<lost.lowerBound] + Self.input[lost.upperBound...]))
    }

    /// On the audio thread itself: underruns at two moments, the thread keeps its pace and
    /// plays on, and the statistic counts both.
    @Test func audioThreadRecoversAndKeepsGoing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let injector = XrunInjector(faults: [3: XrunInjector.xrun, 20: XrunInjector.xrun])
        let (engine, playback) = try Self.playbackEngine(dir, injector)
        let clock = engine.clock as! ManualAudioClock
        try engine.start()
        while engine.statistics.periods < 40 { usleep(1_000) }
        engine.stop()
        playback.close()
        let periods = engine.statistics.periods
        #expect(engine.statistics.xruns == 2)
        #expect(engine.statistics.deviceErrors == 0)
        #expect(injector.calls == periods + 2)
        #expect(Int64(periods) == clock.now() / engine.periodNanoseconds, "the thread kept its pace through the xruns")
        let played = try Data(contentsOf: URL(fileURLWithPath: dir.path("out.raw"))).count / 2
        #expect(played == periods * Self.frame, "a frame (of silence here) for every period")
    }

    /// The playback device goes away mid-room (every call fails from the 20th to the 79th) and
    /// comes back: the engine keeps its pace, and `AudioHealth` says so once each way.
    @Test func aDeviceThatDisappearsIsReportedOnceAndItsReturnToo() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let injector = XrunInjector(faults: Dictionary(uniqueKeysWithValues: (20..<80).map { ($0, -ENODEV) }))
        let (engine, playback) = try Self.playbackEngine(dir, injector)
        var health = AudioHealth()
        var notices: [String] = []
        for period in 1...120 {
            engine.runPeriod()
            if period % 10 == 0 { notices += health.notices(for: engine.statistics, at: Double(period) * 0.02) }
        }
        playback.close()
        #expect(engine.statistics.periods == 120)
        #expect(engine.statistics.deviceErrors == 60)
        #expect(notices.count == 2, "\(notices)")
        #expect(notices.first?.hasPrefix("The sound device stopped working") == true)
        #expect(notices.last == "The sound device works again")
    }

    @Test func burstsOfDropoutsAreToldOnceAndSingleOnesAreNot() {
        var health = AudioHealth()
        var sample = AudioEngine.Statistics()
        sample.periods = 50
        sample.xruns = 1
        #expect(health.notices(for: sample, at: 1).isEmpty, "one xrun is not worth a word")
        sample.periods = 100
        sample.xruns = 2
        #expect(health.notices(for: sample, at: 9).isEmpty, "two, 8 s apart, are not a burst")
        // A starved thread: late wake-ups, one a sample.
        var told: [String] = []
        for second in 10...13 {
            sample.periods += 50
            sample.lateWakeups += 1
            told += health.notices(for: sample, at: Double(second))
        }
        #expect(told.count == 1, "\(told)")
        #expect(told.first?.hasPrefix("Audio dropouts: 3 in the last 5 s") == true, "\(told)")
        // More of it soon after is not told again; long after, it is.
        sample.lateWakeups += 5
        #expect(health.notices(for: sample, at: 20).isEmpty)
        sample.xruns += 4
        #expect(health.notices(for: sample, at: 50).first?.hasPrefix("Audio dropouts: 4") == true)
    }

    /// The audio thread is not run for 250 ms at a time, as on a machine too busy for it: each time
    /// it counts one late wake-up, skips the time it missed and keeps its pace after.
    @Test func aStarvedThreadCountsLateWakeupsAndKeepsItsPace() {
        let clock = StarvingClock(starveEvery: 50, by: 250_000_000)
        let engine = AudioEngine(capture: NullAudioDevice(direction: .capture), playback: NullAudioDevice(direction: .playback),
                                 frameSamples: Self.frame, clock: clock)
        var deadline = clock.now()
        for _ in 0..<200 { deadline = engine.step(from: deadline) }
        #expect(engine.statistics.lateWakeups == 4)
        #expect(engine.statistics.periods == 200)
        #expect(clock.now() == 200 * engine.periodNanoseconds + 4 * 250_000_000, "the missed time is skipped, not caught up")
    }
}

/// A clock whose every `starveEvery`-th sleep returns `by` nanoseconds late, as when the machine
/// does not run the thread; time otherwise jumps to each deadline.
final class StarvingClock: AudioClock, @unchecked Sendable {
    private var nanoseconds: Int64 = 0
    private var sleeps = 0
    let starveEvery: Int
    let by: Int64

    init(starveEvery: Int, by: Int64) {
        self.starveEvery = starveEvery
        self.by = by
    }

    func now() -> Int64 { nanoseconds }

    func sleep(until deadline: Int64) {
        sleeps += 1
        nanoseconds = max(nanoseconds, deadline) + (sleeps % starveEvery == 0 ? by : 0)
    }
}
