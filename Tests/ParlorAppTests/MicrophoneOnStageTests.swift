import Foundation
import ParlorTestSupport
import Testing

/// Only a member on stage opens the capture device. Each member's terminal runs under strace,
/// with a sound device of its own (the ALSA `file` plugin, from a `.asoundrc` in its HOME) whose
/// capture reads `mic.raw` and whose playback writes `played.raw`: the files a process opens are
/// the devices it opened.
@Suite(.serialized) struct MicrophoneOnStageTests {
    /// A HOME whose `.asoundrc` defines the device `parlor_test`: capture from `mic.raw`, playback
    /// to `played.raw`, both in `home`.
    static func soundHome(_ home: String) throws {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let speech = try SpeechFixture.samples()
        try (speech + speech + speech).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: home + "/mic.raw")) }
        try """
            pcm.parlor_test {
                type file
                slave.pcm { type null }
                file "\(home)/played.raw"
                infile "\(home)/mic.raw"
                format raw
            }
            """.write(toFile: home + "/.asoundrc", atomically: true, encoding: .utf8)
    }

    /// `parlor join link` as `name` under strace in a tmux pane; returns the pane and strace's log.
    static func member(_ link: String, name: String, in dir: TemporaryDirectory) throws -> (Tmux, String) {
        let home = dir.path(name)
        try soundHome(home)
        let log = home + "/strace.log"
        let command = (["strace", "-f", "-qq", "-e", "trace=openat", "-o", log, try ParlorBinary.path(), "join", link,
                        "--name", name, "--device", "parlor_test"]).map(RoomScreenInTmuxTests.quote).joined(separator: " ")
        return (try Tmux(command: command, width: 80, height: 24, environment: ["HOME": home]), log)
    }

    static func opened(_ file: String, in log: String) -> Bool {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
            .contains { $0.contains(file) && !$0.contains("ENOENT") }
    }

    @Test func aListenerNeverOpensTheMicrophoneAndASpeakerDoes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, server, key) = try RoomScreenInTmuxTests.relay(in: dir)
        defer { relay.stop() }
        let hostEvents = dir.path("host.jsonl")
        let host = try BackgroundProcess([try ParlorBinary.path(), "host", "--headless", "--server", server, "--relay-key", key,
                                          "--events", hostEvents], in: dir, withInput: true)
        defer { host.stop() }
        let created = try RoomScreenInTmuxTests.event("room_created", in: hostEvents)
        let listenLink = try #require(created["listen_link"] as? String)
        let speakLink = try #require(created["speak_link"] as? String)

        let (listener, listenerLog) = try Self.member(listenLink, name: "listener", in: dir)
        defer { listener.stop() }
        try RoomScreenInTmuxTests.expect(listener, shows: " LISTENING ", "the listener is in the audience")
        let (speaker, speakerLog) = try Self.member(speakLink, name: "speaker", in: dir)
        defer { speaker.stop() }
        try RoomScreenInTmuxTests.expect(speaker, shows: " LIVE ", "the speaker is on stage")
        // The speaker's microphone reaches the listener: its glyph lights up there.
        try RoomScreenInTmuxTests.expect(listener, shows: "◉ speaker", "the listener hears the speaker")
        Thread.sleep(forTimeInterval: 1)

        #expect(Self.opened("/listener/played.raw", in: listenerLog), "strace saw the listener open its playback device")
        #expect(!Self.opened("/listener/mic.raw", in: listenerLog), "a listener opened the capture device")
        #expect(Self.opened("/speaker/mic.raw", in: speakerLog), "the speaker's capture device was not opened")
        let screen = try listener.screen()
        #expect(!screen.contains("No microphone"), "a listener is not told about microphones:\n\(screen)")
    }
}
