import Foundation
import Glibc
import ParlorApp
import ParlorAudio
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

    /// The benchmark's client path allocates nothing per frame, counted by the malloc interposer.
    @Test func benchAudioPrintsFiguresAndCountsNoAllocations() throws {
        let out = try Command.run([try ParlorBinary.path(), "bench", "audio", "--frames", "100", "--json"]).stdout
        let report = try JSONDecoder().decode(AudioBenchmark.Report.self, from: Data(out.utf8))
        #expect(report.frames == 100)
        #expect(report.allocationsPerFrame == 0)
        #expect(report.encodeMicroseconds > 0 && report.clientPathMicroseconds > report.encodeMicroseconds)
    }

    /// A process writing a WAV is killed with SIGTERM mid-write: the file it leaves is valid and
    /// its header accounts for every sample on disk (checked with sox and Python's `wave`).
    @Test func wavLeftBySIGTERMIsValid() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let wav = dir.path("mix.wav")
        let pid = try Self.spawn([try ParlorBinary.path(), "bench", "audio", "--frames", "1000000", "--wav", wav])
        var status: Int32 = 0
        defer { kill(pid, SIGKILL); _ = waitpid(pid, &status, WNOHANG) }
        let deadline = Date().addingTimeInterval(30)
        var size = 0
        while Date() < deadline {
            size = (try? FileManager.default.attributesOfItem(atPath: wav)[.size] as? Int) ?? 0
            if size > 44 + 3 * 96_000 + 1_000 { break }
            usleep(20_000)
        }
        #expect(size > 44 + 3 * 96_000, "the benchmark should have written 3 s of mix")
        kill(pid, SIGTERM)
        let stopBy = Date().addingTimeInterval(10)
        while waitpid(pid, &status, WNOHANG) == 0 && Date() < stopBy { usleep(10_000) }
        #expect(status & 0x7f == SIGTERM, "killed by SIGTERM, status \(status)")
        let fileSize = try FileManager.default.attributesOfItem(atPath: wav)[.size] as! Int
        let frames = try Command.run(["python3", "-c", "import wave,sys; print(wave.open(sys.argv[1]).getnframes())", wav])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(frames) == (fileSize - 44) / 2, "header says \(frames) samples, file holds \((fileSize - 44) / 2)")
        let rate = try Command.run(["sox", "--i", "-r", wav]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(rate == "48000")
        #expect(try WAVReader(path: wav).samples.count == (fileSize - 44) / 2)
    }

    struct SpawnError: Error { let code: Int32 }

    /// Starts `arguments` without waiting for it; the caller stops and reaps it by PID.
    static func spawn(_ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The child starts with no blocked signals and SIGINT/SIGTERM at their defaults,
        // whatever the test runner's threads block or ignore.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), terminating = sigset_t()
        sigemptyset(&none)
        sigemptyset(&terminating)
        sigaddset(&terminating, SIGINT)
        sigaddset(&terminating, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &terminating)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard rc == 0 else { throw SpawnError(code: rc) }
        return pid
    }
}
