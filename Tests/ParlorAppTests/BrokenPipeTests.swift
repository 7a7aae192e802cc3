import Foundation
import ParlorAudio
import ParlorTestSupport
import Testing

/// Writes into pipes whose reader went away. Both killed parlor with SIGPIPE mid-room (exit
/// status 141) before it ignored the signal; now each is an error the room handles.
@Suite(.serialized) struct BrokenPipeTests {
    /// `parlor listen | head -n 1`: once head has its line and exits, the next event cannot be
    /// written; the listener says so on stderr, leaves the room and exits 0, its recording
    /// finalised, as a program in a pipeline ends when its reader does.
    @Test func aHeadlessFaceWhoseEventsReaderLeftLeavesCleanly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, host, created) = try HeadlessFaceTests.startRoom(in: dir)
        defer { relay.stop(); host.stop() }
        let speaker = try BackgroundProcess([try ParlorBinary.path(), "speak", try #require(created["speak_link"] as? String),
                                             "--input", try SpeechFixture.wav().path, "--loop", "--name", "Talker"], in: dir)
        defer { speaker.stop() }
        let recording = dir.path("heard.wav")
        let listen = ([try ParlorBinary.path(), "listen", try #require(created["listen_link"] as? String), "--out", recording])
            .map(RoomScreenInTmuxTests.quote).joined(separator: " ")
        // The reader keeps the pipe a second after head took its line, so that there is audio
        // to record before the next event finds the pipe broken.
        let pipeline = try BackgroundProcess(["bash", "-c", "\(listen) | { head -n 1; sleep 1; }; echo \"listen exited ${PIPESTATUS[0]}\""], in: dir)
        defer { pipeline.stop() }
        #expect(pipeline.waitForExit(timeout: 30) == 0, "the pipeline ended")
        #expect(pipeline.output.contains("\"joined\""), "head got the first event:\n\(pipeline.output)")
        #expect(pipeline.output.contains("listen exited 0"), "not killed by SIGPIPE (141):\n\(pipeline.output)")
        #expect(pipeline.errors.contains("cannot write events"), "said why it left:\n\(pipeline.errors)")
        #expect(try WAVReader(path: recording).samples.count > 0, "the recording is a finalised WAV")
    }

    /// A member's sound device is the `file` plugin writing into a FIFO, and the FIFO's reader
    /// goes away mid-room (as a recorder or a piped player would): the room goes on, and q still
    /// leaves with status 0.
    @Test func aSoundDeviceWhosePipeLostItsReaderDoesNotEndTheRoom() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let fifo = dir.path("speaker.fifo")
        try Command.run(["mkfifo", fifo])
        try Data(count: 48_000 * 2 * 60).write(to: URL(fileURLWithPath: dir.path("mic.raw")))
        try """
            pcm.parlor_pipe {
                type file
                slave.pcm { type null }
                file "\(fifo)"
                infile "\(dir.path("mic.raw"))"
                format raw
            }
            """.write(toFile: home + "/.asoundrc", atomically: true, encoding: .utf8)
        let reader = try BackgroundProcess(["cat", fifo], in: dir)
        defer { reader.stop() }

        let (relay, host, listenLink) = try RoomScreenInTmuxTests.headlessRoom(in: dir)
        defer { relay.stop(); host.stop() }
        let member = try Tmux(command: try RoomScreenInTmuxTests.command(["join", listenLink, "--device", "parlor_pipe"]),
                              width: 100, height: 24, environment: ["HOME": home])
        defer { member.stop() }
        try RoomScreenInTmuxTests.expect(member, shows: "You joined", "the member joins on the pipe device")
        Thread.sleep(forTimeInterval: 1)
        reader.stop()
        Thread.sleep(forTimeInterval: 3)
        let after = try member.screen()
        #expect(!after.contains("parlor exited"), "the room went on without the pipe's reader:\n\(after)")
        #expect(after.contains("You joined"), "\(after)")
        try member.send("q", literal: true)
        try RoomScreenInTmuxTests.expect(member, shows: "parlor exited 0", "q leaves cleanly")
    }
}
