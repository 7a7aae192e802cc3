import Foundation
import ParlorAudio
import ParlorTestSupport
import Testing

/// `parlor listen --out FILE.opus --per-speaker DIR` in a real room (relay, headless host,
/// speaker and two listeners as processes): the files are read with opus-tools and by an
/// independent Ogg reader, the speech is scored, and each speaker's file is compared with the
/// frames the sender sent.
@Suite(.serialized) struct OggRecordingTests {
    static let frame = 960
    /// The speech starts a few seconds into the recordings (the speaker joins after the listeners).
    static let maxLag = 8.0

    @Test func mixAndPerSpeakerOggOpusFromARealRoom() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let parlor = try ParlorBinary.path()
        let reference = try SpeechFixture.wav().path
        let (relay, host, created) = try HeadlessFaceTests.startRoom(in: dir)
        let listenLink = try #require(created["listen_link"] as? String)
        let speakLink = try #require(created["speak_link"] as? String)
        let folder = dir.path("speakers")
        // One listener records the mix both ways (Ogg Opus to --out, WAV as mix.wav of the WAV
        // per-speaker folder), so that the two differ by the Ogg Opus encoding alone; another
        // records each speaker's frames, and its own mix to line them up against.
        let wavListener = try BackgroundProcess([parlor, "listen", listenLink, "--out", dir.path("heard.opus"),
                                                 "--per-speaker", dir.path("wav"), "--per-speaker-format", "wav"], in: dir)
        let oggListener = try BackgroundProcess([parlor, "listen", listenLink, "--per-speaker", folder,
                                                 "--out", dir.path("own-mix.wav")], in: dir)
        _ = try wavListener.waitForLine(containing: "\"joined\"")
        _ = try oggListener.waitForLine(containing: "\"joined\"")
        let speaker = try BackgroundProcess([parlor, "speak", speakLink, "--input", reference, "--name", "Ada",
                                             "--expected-loss", "0"], in: dir)
        #expect(speaker.waitForExit(timeout: 30) == 0, "\(speaker.errors)")
        Thread.sleep(forTimeInterval: 1)
        // Both end by SIGTERM, as Ctrl-C or a service manager ends them: the files are finalised.
        #expect(wavListener.stop() == 0, "\(wavListener.errors)")
        #expect(oggListener.stop() == 0, "\(oggListener.errors)")
        host.stop()
        relay.stop()

        // The mix: opus-tools read it, and it scores within 0.05 of the WAV path.
        let mix = dir.path("heard.opus")
        let mixInfo = try Command.run(["opusinfo", mix])
        #expect(!(mixInfo.stdout + mixInfo.stderr).contains("WARNING"), "\(mixInfo.stdout)")
        try Command.run(["opusdec", "--quiet", "--rate", "48000", mix, dir.path("mix-decoded.wav")])
        let wavScore = try SpeechScore.pesq(reference: reference, degraded: dir.path("wav/mix.wav"), maxLagSeconds: Self.maxLag)
        let oggScore = try SpeechScore.pesq(reference: reference, degraded: dir.path("mix-decoded.wav"), maxLagSeconds: Self.maxLag)
        let mixSeconds = Double(try WAVReader(path: dir.path("mix-decoded.wav")).samples.count) / 48_000
        let mixPerHour = Double(try size(mix)) / mixSeconds * 3600
        print("ogg mix: PESQ-WB \(oggScore) (WAV path \(wavScore)); \(try size(mix)) bytes for \(mixSeconds) s: \(mixPerHour / 1e6) MB an hour")
        #expect(oggScore > wavScore - 0.05, "Ogg Opus mix \(oggScore), WAV \(wavScore)")
        #expect(wavScore > 3.5)
        #expect(mixPerHour < 20e6)

        // The speaker's file: one, valid, ended, as long as the mix (one timeline).
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count == 1 && files[0].hasPrefix("speaker-1-") && files[0].hasSuffix(".opus"), "\(files)")
        let track = folder + "/" + files[0]
        let trackInfo = try Command.run(["opusinfo", track])
        #expect(!(trackInfo.stdout + trackInfo.stderr).contains("WARNING"), "\(trackInfo.stdout)")
        let ogg = try OggPackets(path: track)
        #expect(ogg.pages.last?.endOfStream == true, "SIGTERM finalised the stream")
        try Command.run(["opusdec", "--quiet", "--rate", "48000", track, dir.path("track-decoded.wav")])
        let trackSeconds = Double(try WAVReader(path: dir.path("track-decoded.wav")).samples.count) / 48_000
        #expect(abs(trackSeconds - mixSeconds) < 0.5, "track \(trackSeconds) s, mix \(mixSeconds) s")
        // On one timeline: the speaker's track lines up with the same listener's mix (which plays
        // each frame after the jitter buffer's delay, 40–70 ms; the track has it where it arrived).
        let lag = try Self.lagSeconds(of: dir.path("own-mix.wav"), behind: dir.path("track-decoded.wav"))
        print("ogg per-speaker: the mix lags the track by \(lag) s")
        #expect(lag > 0 && lag < 0.1, "the track and the mix line up (measured 0.027–0.047 s): lag \(lag) s")
        let trackScore = try SpeechScore.pesq(reference: reference, degraded: dir.path("track-decoded.wav"), maxLagSeconds: Self.maxLag)
        #expect(trackScore > wavScore - 0.1, "the speaker's own track \(trackScore), WAV mix \(wavScore)")

        // Its frames are the sender's, bit for bit: Parlor's encoder with the speaker's settings
        // (32 kbit/s CBR, FEC on, expected loss fixed at 0) makes the same packets from the same
        // file; the track holds a run of them in order, none changed, with one-byte silence
        // packets (TOC only) before and after.
        let speech = try WAVReader(path: reference).samples
        let encoder = try OpusEncoder(settings: OpusSettings())
        var sent: [[UInt8]] = []
        for start in stride(from: 0, to: speech.count + 100 * Self.frame, by: Self.frame) {
            let frame = (start..<start + Self.frame).map { $0 < speech.count ? speech[$0] : 0 }
            sent.append(try encoder.encode(frame))
        }
        let audio = Array(ogg.packets.dropFirst(2))
        let received = audio.filter { $0.count > 1 }
        let firstReceived = try #require(received.first)
        let first = try #require(sent.firstIndex(of: firstReceived), "the first frame is one the sender sent")
        #expect(first < 10, "the listener heard from the start (first frame \(first))")
        #expect(Array(sent[first..<min(first + received.count, sent.count)]) == received, "every frame as the sender made it")
        #expect(received.count * Self.frame >= speech.count, "the whole speech: \(received.count) frames")
        let fillers = audio.filter { $0.count == 1 }
        let configurations = Set(received.map { $0[0] & ~3 })
        #expect(fillers.allSatisfy { $0[0] & 3 == 0 && configurations.contains($0[0]) }, "silence is a TOC of the speaker's, one frame")
        let speechBytes = received.reduce(0) { $0 + $1.count + 1 }
        let trackPerHour = Double(speechBytes) / (Double(received.count) * 0.02) * 3600 * 1.01
        print("ogg per-speaker: \(received.count) frames as sent, \(fillers.count) silence packets; "
              + "\(try size(track)) bytes for \(trackSeconds) s; an hour of speech \(trackPerHour / 1e6) MB")
        #expect(trackPerHour < 20e6)
    }

    /// How far `later` lags `earlier` (seconds, negative: leads), by cross-correlation at 8 kHz.
    static func lagSeconds(of later: String, behind earlier: String) throws -> Double {
        let script = """
            import sys, subprocess, wave, numpy as np
            def load(p):
                subprocess.run(["sox", p, "-r", "8000", p + ".8k.wav"], check=True)
                with wave.open(p + ".8k.wav") as w: return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
            a, b = load(sys.argv[1]), load(sys.argv[2])
            n = 1 << int(np.ceil(np.log2(len(a) + len(b))))
            corr = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
            lag = int(np.argmax(corr))
            print((lag if lag < n // 2 else lag - n) / 8000)
            """
        let out = try Command.run(["python3", "-c", script, later, earlier]).stdout
        return try #require(Double(out.trimmingCharacters(in: .whitespacesAndNewlines)), "\(out)")
    }

    func size(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
    }
}
