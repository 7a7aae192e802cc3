import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

/// Real alsa-lib, with its `file` and `null` plugins standing in for a sound card.
@Suite(.serialized) struct ALSAPluginTests {
    static let ramp: [Int16] = (0..<9_600).map { Int16(truncatingIfNeeded: $0 &* 37 &- 20_000) }

    @Test func playbackThroughFilePluginWritesSamplesBitIdentical() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.path("played.raw")
        let pcm = try HermeticALSA.open(HermeticALSA.playbackConfig(to: out), .playback)
        try pcm.configure(periodFrames: 960)
        #expect(pcm.periodFrames == 960)
        #expect(pcm.bufferFrames == 3_840)
        try Self.ramp.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: 960) {
                let n = try pcm.write(UnsafeBufferPointer(rebasing: all[start..<start + 960]))
                #expect(n == 960)
            }
        }
        pcm.drain()
        pcm.close()
        let written = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(written.count == Self.ramp.count * 2)
        let samples = written.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(samples == Self.ramp)
    }

    @Test func captureThroughFilePluginReadsSpeechBitIdentical() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let speech = Array(try SpeechFixture.samples().prefix(48_000))
        #expect(speech.count == 48_000, "espeak-ng should speak more than a second")
        let input = dir.path("mic.raw")
        try speech.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: input)) }
        let pcm = try HermeticALSA.open(HermeticALSA.captureConfig(from: input), .capture)
        try pcm.configure(periodFrames: 960)
        var captured = [Int16](repeating: 0, count: speech.count)
        try captured.withUnsafeMutableBufferPointer { buf in
            var at = 0
            while at < buf.count {
                at += try pcm.read(into: UnsafeMutableBufferPointer(rebasing: buf[at..<min(at + 960, buf.count)]))
            }
        }
        #expect(captured == speech)
    }

    /// `null` takes whole periods both ways and does not pace: 50 periods (one second of audio)
    /// go through in far less than a second, which is why the engine paces itself.
    /// (Its capture leaves the buffer untouched rather than writing zeros.)
    @Test func nullDeviceTakesWholePeriodsWithoutPacing() throws {
        let capture = try HermeticALSA.open(HermeticALSA.nullConfig, .capture)
        let playback = try HermeticALSA.open(HermeticALSA.nullConfig, .playback)
        try capture.configure(periodFrames: 960)
        try playback.configure(periodFrames: 960)
        var frame = [Int16](repeating: 0, count: 960)
        let start = ContinuousClock.now
        for _ in 0..<50 {
            #expect(try frame.withUnsafeMutableBufferPointer { try capture.read(into: $0) } == 960)
            #expect(try frame.withUnsafeBufferPointer { try playback.write($0) } == 960)
        }
        #expect(ContinuousClock.now - start < .milliseconds(500))
    }

    @Test func unknownDeviceIsAClearError() {
        #expect {
            _ = try ALSAPCM(configuration: HermeticALSA.nullConfig, name: "no_such_device", direction: .playback)
        } throws: { error in
            let message = "\(error)"
            return message.contains("no_such_device") && (error as? ALSAError)?.code == -2
        }
    }
}
