import Foundation
import ParlorTestSupport
import Testing

/// Xruns under real CPU starvation. A member's terminal room runs on alsa-lib `file` devices (a
/// microphone file in, a speaker file out). All its threads are pinned to one CPU, and there a
/// SCHED_FIFO hog at priority 99 (above the audio thread's 50) spins 250 ms at a time for about
/// 4 s: the machine is too busy for the audio thread, as on a loaded laptop. The room must say
/// so, and carry on: still in the room, the speaker still heard, sound still played.
@Suite(.serialized) struct AudioStarvationTests {
    static let memberName = "Starved Sam"
    static let deviceName = "parlor_starved"
    /// The hog's bursts: spinning, then resting, this many times.
    static let bursts = 12
    static let spinSeconds = 0.25
    static let restSeconds = 0.1

    /// Whether this process may pin threads and run a SCHED_FIFO hog (root, or CAP_SYS_NICE).
    static var canStarve: Bool {
        (try? Command.run(["chrt", "-f", "99", "true"])) != nil && (try? Command.run(["taskset", "-c", "0", "true"])) != nil
    }

    /// PARLOR_REQUIRE_RT=1 (as `make test` sets for root, and CI) demands the privilege: the test
    /// then fails where it cannot starve the thread, rather than skip.
    static let requiredVariable = "PARLOR_REQUIRE_RT"
    static var required: Bool { ProcessInfo.processInfo.environment[requiredVariable] == "1" }

    @Test(.enabled(if: canStarve || required, "needs chrt/taskset with real-time privilege (PARLOR_REQUIRE_RT=1 makes this a failure)"))
    func aStarvedAudioThreadIsToldAndTheRoomGoesOn() throws {
        try #require(Self.canStarve, "\(Self.requiredVariable)=1, but chrt -f 99 / taskset cannot run here (root or CAP_SYS_NICE needed)")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        // Three minutes of silence to capture (a listener's microphone is not sent), and the speaker file.
        try Data(count: 48_000 * 2 * 180).write(to: URL(fileURLWithPath: dir.path("mic.raw")))
        let played = dir.path("played.raw")
        try """
            pcm.\(Self.deviceName) {
                type file
                slave.pcm { type null }
                file "\(played)"
                infile "\(dir.path("mic.raw"))"
                format raw
            }
            """.write(toFile: home + "/.asoundrc", atomically: true, encoding: .utf8)

        let (relay, host, listenLink) = try RoomScreenInTmuxTests.headlessRoom(in: dir)
        defer { relay.stop(); host.stop() }
        let speakLink = try #require(try RoomScreenInTmuxTests.event("room_created", in: dir.path("host.jsonl"))["speak_link"] as? String)
        let speaker = try BackgroundProcess([try ParlorBinary.path(), "speak", speakLink, "--input", try SpeechFixture.wav().path,
                                             "--name", RoomScreenInTmuxTests.speakerName, "--loop"], in: dir)
        defer { speaker.stop() }
        let events = dir.path("member.jsonl")
        let member = try Tmux(command: try RoomScreenInTmuxTests.command(["join", listenLink, "--name", Self.memberName,
                                                                         "--device", Self.deviceName, "--events", events]),
                              width: 160, height: 30, environment: ["HOME": home])
        defer { member.stop() }
        let before = try RoomScreenInTmuxTests.expect(member, shows: "◉ \(RoomScreenInTmuxTests.speakerName)", "the member hears the speaker")
        #expect(!before.contains("Audio dropouts"), "no dropouts before the starvation:\n\(before)")

        // Starve it: every thread of the member's parlor on CPU 0, and the hog there.
        let pid = try #require(Self.parlorProcess(withArguments: ["join", Self.memberName]), "the member's parlor process")
        try Command.run(["taskset", "-a", "-p", "-c", "0", "\(pid)"])
        let starvedAt = Date()
        try Command.run(["chrt", "-f", "99", "taskset", "-c", "0", "python3", "-c", """
            import time
            for _ in range(\(Self.bursts)):
                end = time.monotonic() + \(Self.spinSeconds)
                while time.monotonic() < end:
                    pass
                time.sleep(\(Self.restSeconds))
            """])
        let starvedFor = Date().timeIntervalSince(starvedAt)

        // The room says what happened…
        let told = try RoomScreenInTmuxTests.expect(member, shows: "Audio dropouts: ", "the room tells of the dropouts")
        let notice = told.split(separator: "\n").first { $0.contains("Audio dropouts: ") }.map(String.init) ?? ""
        print("starvation: \(String(format: "%.1f", starvedFor)) s of bursts; the room said: \(notice.trimmingCharacters(in: .whitespaces))")
        // What README's row claims: "Audio dropouts: 3 in the last 5 s; the machine is too busy…"
        // (the room speaks once three dropouts fall within 5 s; a sample may bring a few at once).
        let count = notice.firstMatch(of: /Audio dropouts: (\d+) in the last 5 s; the machine is too busy/).flatMap { Int($0.1) }
        #expect(count.map { (3...5).contains($0) } == true, "\"Audio dropouts: 3 in the last 5 s; the machine is too busy…\": \(notice)")

        // …and goes on: sound keeps being played, the speaker is heard again, nobody reconnected.
        let size = { (try? FileManager.default.attributesOfItem(atPath: played)[.size] as? Int) ?? 0 }
        let bytesBefore = size()
        Thread.sleep(forTimeInterval: 3)
        let bytesAfter = size()
        print("starvation: \(bytesAfter - bytesBefore) bytes played in the 3 s after it")
        #expect(bytesAfter - bytesBefore >= 48_000 * 2 * 2, "at least 2 s of the 3 s played after the starvation")
        let heardAgain = try Self.speakingStarted(in: events, after: Date())
        #expect(heardAgain, "a speaking_started after the starvation: media still arrives and decrypts")
        let screen = try member.screen()
        #expect(!screen.contains("RECONNECTING"), "\(screen)")
        #expect(screen.contains("◉ \(RoomScreenInTmuxTests.speakerName)") || screen.contains("○ \(RoomScreenInTmuxTests.speakerName)"),
                "the speaker is still on the stage:\n\(screen)")
        let lines = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
        #expect(!lines.contains("\"reconnecting\"") && !lines.contains("\"room_ended\""), "the member stayed in the room")

        try member.send("q", literal: true)
        try RoomScreenInTmuxTests.expect(member, shows: "parlor exited 0", "the member leaves cleanly")
    }

    /// The PID of the `parlor` process whose arguments include all of `arguments`.
    static func parlorProcess(withArguments arguments: [String]) -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                  let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let argv = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let program = argv.first, program.hasSuffix("/parlor") else { continue }
            if arguments.allSatisfy(argv.contains) { return pid }
        }
        return nil
    }

    /// Waits up to 20 s for a `speaking_started` event stamped after `date`.
    static func speakingStarted(in path: String, after date: Date) throws -> Bool {
        let since = Int64(date.timeIntervalSince1970 * 1000)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      object["event"] as? String == "speaking_started",
                      let time = object["time"] as? Int64 ?? (object["time"] as? Int).map(Int64.init) else { continue }
                if time > since { return true }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }
}
