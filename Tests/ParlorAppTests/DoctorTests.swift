import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorApp

@Suite struct DoctorTests {
    @Test func reportsTheFourLibrariesWithVersionsAndExitsZeroWithoutASoundCard() throws {
        let result = try Command.runAllowingFailure([try ParlorBinary.path(), "doctor"], environment: ["TERM": "xterm-256color", "NO_COLOR": ""])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let version = #/\d+\.\d+(\.\d+)?/#
        for library in ["libopus", "libsodium", "alsa-lib", "ncurses"] {
            let line = lines.first { $0.dropFirst(2).hasPrefix(library) }
            #expect(line?.contains(version) == true, "no version for \(library) in:\n\(result.stdout)")
        }
        #expect(result.stdout.contains("AES-256-GCM"))
        #expect(result.stdout.contains("real-time"))
        #expect(result.stdout.contains("256 colours (TERM=xterm-256color)"))
        if !FileManager.default.fileExists(atPath: "/dev/snd") {
            #expect(result.stdout.contains("no sound card found: Parlor will run with a silent device"))
        }
        #expect(lines.last == "Parlor can run.")
    }

    /// The capture chain as config.toml sets it, after libspeexdsp and libwebrtc-audio-processing ran a frame; a broken
    /// setting is reported as such.
    @Test func showsTheSpeechProcessingConfigTurnsOff() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.path("parlor"), withIntermediateDirectories: true)
        try Data("agc = false\n".utf8).write(to: URL(fileURLWithPath: dir.path("parlor/config.toml")))
        let result = try Command.runAllowingFailure([try ParlorBinary.path(), "doctor"], environment: ["XDG_CONFIG_HOME": dir.url.path])
        let line = result.stdout.split(separator: "\n").first { $0.contains("speech processing") }
        #expect(line?.contains("libspeexdsp, libwebrtc-audio-processing: echo cancellation on, noise suppression on, gain control off (AEC NS AGC off)") == true,
                "\(result.stdout)")
        try Data("agc = 1\n".utf8).write(to: URL(fileURLWithPath: dir.path("parlor/config.toml")))
        let broken = try Command.runAllowingFailure([try ParlorBinary.path(), "doctor"], environment: ["XDG_CONFIG_HOME": dir.url.path])
        #expect(broken.status == 1 && broken.stdout.contains("agc must be true or false"), "\(broken.stdout)")
    }

    @Test func exitsNonZeroAndSaysWhatIsMissingWhenALSAHasNoConfiguration() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let empty = dir.path("empty-alsa.conf")
        try Data().write(to: URL(fileURLWithPath: empty))
        let result = try Command.runAllowingFailure([try ParlorBinary.path(), "doctor"], environment: ["ALSA_CONFIG_PATH": empty])
        #expect(result.status == 1)
        #expect(result.stdout.contains("✗ sound"))
        #expect(result.stdout.contains("alsa.conf"))
        #expect(result.stdout.contains("Parlor cannot run"))
    }

    @Test func reportTextMarksNotesAndMissingParts() {
        var report = DoctorReport()
        report.add("libopus", .ok, "libopus 1.3.1")
        report.add("sound", .note, "no sound card found")
        #expect(report.canRun)
        report.add("libsodium", .missing, "absent")
        #expect(!report.canRun)
        #expect(report.text.contains("! sound"))
        #expect(report.text.contains("✗ libsodium"))
    }
}
