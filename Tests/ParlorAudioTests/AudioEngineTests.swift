import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

@Suite(.serialized) struct AudioEngineTests {
    /// The engine paces itself against its clock: with a manual clock that jumps to each deadline
    /// a second of audio runs at once, and exactly 50 periods of 20 ms fit in it.
    @Test func pacesItselfAgainstTheClock() throws {
        let clock = ManualAudioClock()
        let engine = AudioEngine(capture: NullAudioDevice(direction: .capture), playback: NullAudioDevice(direction: .playback),
                                 frameSamples: 960, clock: clock)
        let schedule = try engine.start()
        #expect(schedule == .realtime(priority: RealtimeThread.defaultPriority), "root here may use SCHED_FIFO")
        while clock.now() < 1_000_000_000 { usleep(100) }
        engine.stop()
        let periods = engine.statistics.periods
        let elapsed = clock.now()
        #expect(Int64(periods) == elapsed / engine.periodNanoseconds)
    }

    /// The real clock: 10 periods take 200 ms, not the microseconds the null device would take.
    @Test func realClockPacesInRealTime() throws {
        let engine = AudioEngine(capture: NullAudioDevice(direction: .capture), playback: NullAudioDevice(direction: .playback),
                                 frameSamples: 960)
        let start = ContinuousClock.now
        try engine.start()
        while engine.statistics.periods < 11 { usleep(1_000) }
        engine.stop()
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(195) && elapsed < .milliseconds(400), "\(elapsed)")
    }

    /// The silent device gives zeros even into a dirty buffer (ALSA's null capture would not).
    @Test func nullDeviceClearsCapturedFrames() throws {
        let device = NullAudioDevice(direction: .capture)
        var frame = [Int16](repeating: 123, count: 960)
        #expect(try frame.withUnsafeMutableBufferPointer { try device.read(into: $0) } == 960)
        #expect(frame.allSatisfy { $0 == 0 })
    }

    @Test func missingDeviceIsNamedAndFallsBackToTheNullDevice() {
        let opened = AudioDevices.open(name: "parlor_no_such_card", direction: .capture, frameSamples: 960)
        #expect(opened.device is NullAudioDevice)
        let reason = opened.fallbackReason ?? ""
        #expect(reason.contains("\"parlor_no_such_card\"") && reason.contains("silent null device"), "\(reason)")
    }

    /// Frames go from a `file` capture device through the capture ring, and from the playback
    /// ring to a `file` playback device, bit-identical; an empty playback ring plays silence.
    @Test func stepsFramesThroughRealALSAFileDevices() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input: [Int16] = (0..<(960 * 10)).map { Int16(truncatingIfNeeded: $0 &* 7) }
        try input.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir.path("in.raw"))) }
        let capture = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.captureConfig(from: dir.path("in.raw")), .capture), frameSamples: 960)
        let playback = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.playbackConfig(to: dir.path("out.raw")), .playback), frameSamples: 960)
        let engine = AudioEngine(capture: capture, playback: playback, frameSamples: 960, clock: ManualAudioClock())
        var frame = [Int16](repeating: 0, count: 960)
        var captured: [Int16] = []
        for _ in 0..<10 {
            engine.runPeriod()
            #expect(frame.withUnsafeMutableBufferPointer { engine.captured.pop(into: $0) })
            captured += frame
            #expect(frame.withUnsafeBufferPointer { engine.toPlay.push($0) })
        }
        engine.runPeriod()
        capture.close()
        playback.close()
        #expect(captured == input)
        let played = try Data(contentsOf: URL(fileURLWithPath: dir.path("out.raw"))).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(played == [Int16](repeating: 0, count: 960) + input)
        #expect(engine.statistics.playbackUnderflows == 1)
    }

    /// The microphone meter follows what is captured: a loud tone reads loud, silence the floor.
    @Test func microphoneLevelFollowsTheCapture() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = OpusCodecTests.tone(samples: 960 * 3) + [Int16](repeating: 0, count: 960 * 3)
        try input.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir.path("in.raw"))) }
        let capture = try ALSAAudioDevice(pcm: HermeticALSA.open(HermeticALSA.captureConfig(from: dir.path("in.raw")), .capture), frameSamples: 960)
        let engine = AudioEngine(capture: capture, playback: NullAudioDevice(direction: .playback), frameSamples: 960, clock: ManualAudioClock())
        #expect(engine.microphoneLevel.rms == LevelMeter.floor)
        engine.runPeriod()
        let loud = engine.microphoneLevel
        #expect(loud.rms > -15 && loud.rms < -6, "a 0.3 + 0.1 amplitude tone is about -10 dBFS RMS, read \(loud.rms)")
        #expect(loud.peak > loud.rms)
        for _ in 0..<5 { engine.runPeriod() }
        capture.close()
        #expect(engine.microphoneLevel.rms == LevelMeter.floor)
        #expect(engine.microphoneLevel.peak < loud.peak, "the held peak falls back")
    }
}

/// Without SCHED_FIFO the engine runs anyway, at normal priority, with one warning to print.
@Suite struct RealtimeFallbackTests {
    @Test func refusedRealtimeRunsAtNormalPriorityWithOneClearWarning() throws {
        let (schedule, warning, periods, restartedWarning) = try WithoutRealtimePrivilege.run {
            let engine = AudioEngine(capture: NullAudioDevice(direction: .capture), playback: NullAudioDevice(direction: .playback),
                                     frameSamples: 960, clock: ManualAudioClock())
            #expect(engine.realtimeWarning == nil)
            let schedule = try engine.start()
            while engine.statistics.periods < 20 { usleep(1_000) }
            engine.stop()
            let warning = engine.realtimeWarning
            try engine.start()
            engine.stop()
            return (schedule, warning, engine.statistics.periods, engine.realtimeWarning)
        }
        guard case .normal(let reason) = schedule else {
            Issue.record("SCHED_FIFO was granted without CAP_SYS_NICE: \(schedule)")
            return
        }
        #expect(reason.contains("RLIMIT_RTPRIO is 0"), "\(reason)")
        #expect(periods >= 20, "the audio thread ran at normal priority")
        let text = try #require(warning)
        #expect(text.hasPrefix(AudioEngine.normalPriorityWarning) && text.hasSuffix(reason))
        #expect(!text.contains("\n"), "one line")
        #expect(restartedWarning == text, "the same single warning after a restart, not another")
    }

    /// With the privilege (root here) there is no warning.
    @Test func realtimeGivesNoWarning() throws {
        let engine = AudioEngine(capture: NullAudioDevice(direction: .capture), playback: NullAudioDevice(direction: .playback),
                                 frameSamples: 960, clock: ManualAudioClock())
        let schedule = try engine.start()
        engine.stop()
        if case .realtime = schedule { #expect(engine.realtimeWarning == nil) }
    }
}

/// `parlor bench audio` steps the audio thread's period on ALSA's null devices and counts
/// its allocations: there must be none.
@Suite struct AudioThreadBenchmarkTests {
    @Test func audioThreadPeriodAllocatesNothing() throws {
        let out = try Command.run([try ParlorBinary.path(), "bench", "audio", "--frames", "100", "--json"]).stdout
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(report["audioThreadAllocationsPerPeriod"] as? Double == 0, "\(out)")
        #expect(report["audioThreadDevices"] as? String == "ALSA null", "the stock alsa.conf defines null")
        #expect((report["audioThreadMicroseconds"] as? Double ?? 0) > 0)
    }
}
