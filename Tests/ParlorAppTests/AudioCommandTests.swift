import Foundation
import Glibc
import ParlorApp
import ParlorBench
import ParlorAudio
import ParlorCrypto
import ParlorTestSupport
import Testing

@Suite(.serialized) struct AudioCommandTests {
    @Test func devicesSaysClearlyWhenThereIsNoSoundCard() throws {
        let out = try Command.run([try ParlorBinary.path(), "devices"]).stdout
        if ALSA.cards().isEmpty {
            #expect(out.hasPrefix("no sound card found: Parlor will run with a silent device"))
        } else {
            #expect(out.hasPrefix("sound cards:"))
        }
        #expect(out.contains("capture devices:") && out.contains("playback devices:"))
    }

    @Test func devicesAreListedByNameDefaultFirst() {
        let text = DeviceList.text(
            devices: [AudioDeviceInfo(name: "default", description: "Default ALSA Output", canCapture: true, canPlay: true),
                      AudioDeviceInfo(name: "hw:CARD=USB,DEV=0", description: "USB Audio", canCapture: true, canPlay: false)],
            cards: [(index: 0, name: "USB Audio")])
        #expect(text == """
            sound cards: 0: USB Audio
            capture devices:
              default  — Default ALSA Output
              hw:CARD=USB,DEV=0  — USB Audio
            playback devices:
              default  — Default ALSA Output
            """)
    }

    /// The client's own media path (`MediaBenchmarkRoom`: `MediaPipeline` and `MediaHop`, the
    /// default SFrame suite, the hop seal, frame signatures, 1 encode and 4 decodes, the mix)
    /// allocates nothing per period, counted by the malloc interposer, and costs at most
    /// `AudioBenchmark.ratioLimit` (1.15×) libopus alone, measured in the same run.
    /// That limit is for a release build (measured 1.092–1.107, timed in turns with libopus); the debug build
    /// that `swift test` runs has the Swift half of the path unoptimised (the mix alone is ~40×
    /// slower) and measured 1.64–1.67, so there the bound is 1.9 (PARLOR_BIN=…/release/parlor
    /// tests the 1.15). The same room on the array-building pipeline before issue #15 allocated
    /// 499 times a period (debug; 54 in release) and cost 1.77–1.80× (debug), and this test failed.
    @Test func benchAudioRunsTheProductPathWithNoAllocations() throws {
        let binary = try ParlorBinary.path()
        let out = try Command.run([binary, "bench", "audio", "--frames", "200", "--json"]).stdout
        let report = try JSONDecoder().decode(AudioBenchmark.Report.self, from: Data(out.utf8))
        #expect(report.frames == 200)
        #expect(report.allocationsPerFrame == 0)
        #expect(report.sframeSuite == "\(SFrameSuite.preferred)")
        #expect(report.encodeMicroseconds > 0 && report.clientPathMicroseconds > report.encodeMicroseconds)
        let limit = binary.contains("/release/") ? AudioBenchmark.ratioLimit : 1.9
        #expect(abs(report.clientPathRatio - report.clientPathMicroseconds / report.opusBaselineMicroseconds) < 1e-9)
        #expect(report.clientPathRatio > 0 && report.clientPathRatio <= limit,
                "client path / libopus \(report.clientPathRatio), limit \(limit) (\(binary))")
        let text = try Command.run([binary, "bench", "audio", "--frames", "20"]).stdout
        #expect(text.contains("client path / libopus") && text.contains("(limit 1.15)"), "\(text)")
        #expect(report.frameSignatureBytes == 16)
        #expect(report.frameSignMicroseconds > 0 && report.frameVerifyMicroseconds > 0)
        #expect(report.frameSignAllocationsPerFrame == 0 && report.frameVerifyAllocationsPerFrame == 0)
        // The capture chain (`CaptureProcessor`: echo cancellation, noise suppression, gain
        // control) and the encode allocate nothing per frame and cost at most 2× the encode
        // alone (issue #17; measured 1.80–1.84 in debug with WebRTC's noise suppressor, where all is C).
        #expect(report.captureChainAllocationsPerFrame == 0)
        #expect(report.captureChainRatio > 1 && report.captureChainRatio <= AudioBenchmark.captureChainRatioLimit,
                "capture chain / encode \(report.captureChainRatio)")
        #expect(text.contains("capture chain / encode"), "\(text)")
    }

    /// A process writing a WAV is killed with SIGTERM or Ctrl-C's SIGINT mid-write: the file it
    /// leaves is valid (sox and Python's `wave` read it) and its header accounts for the samples
    /// on disk. The handler runs on one thread while the writer may finish one more frame on
    /// another before the process ends, so the header may count at most one frame fewer.
    @Test(arguments: [SIGTERM, SIGINT]) func wavLeftByASignalIsValid(signal: Int32) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let wav = dir.path("mix.wav")
        let writer = try BackgroundProcess([try ParlorBinary.path(), "bench", "audio", "--frames", "1000000", "--wav", wav], in: dir)
        let deadline = Date().addingTimeInterval(30)
        var size = 0
        while Date() < deadline {
            size = (try? FileManager.default.attributesOfItem(atPath: wav)[.size] as? Int) ?? 0
            if size > 44 + 3 * 96_000 + 1_000 { break }
            usleep(20_000)
        }
        #expect(size > 44 + 3 * 96_000, "the benchmark should have written 3 s of mix")
        let status = writer.stop(signal: signal)
        #expect(status == 128 + signal, "killed by signal \(signal), status \(status)")
        let fileSize = try FileManager.default.attributesOfItem(atPath: wav)[.size] as! Int
        let frames = try Command.run(["python3", "-c", "import wave,sys; print(wave.open(sys.argv[1]).getnframes())", wav])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let onDisk = (fileSize - 44) / 2
        let counted = try #require(Int(frames))
        #expect(counted <= onDisk && onDisk - counted <= 960, "header says \(counted) samples, file holds \(onDisk)")
        let rate = try Command.run(["sox", "--i", "-r", wav]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(rate == "48000")
        #expect(try WAVReader(path: wav).samples.count == counted)
    }
}
