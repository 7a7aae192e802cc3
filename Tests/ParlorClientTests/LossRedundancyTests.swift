import Foundation
import ParlorAudio
import ParlorClient
import ParlorProtocol
import ParlorTestSupport
import Testing

/// One run of `redundantCopiesCarrySpeechThroughLoss`: where the loss is, how much, what the
/// speaker sends, and the PESQ-WB floor the listener's playback must beat.
struct LossCase: CustomTestStringConvertible, Sendable {
    var lossPercent: Double
    var uplink = false
    /// Copies of earlier frames each packet carries (0: none, as on a clean line today).
    var redundantFrames: Int
    var floor: Double
    /// The loss generator's seed (`ImpairedPath`): which datagrams are lost.
    var seed: UInt64 = 42

    var testDescription: String {
        "\(Int(lossPercent)) % loss on the \(uplink ? "speaker's uplink" : "listener's downlink"), \(redundantFrames) redundant"
            + (seed == 42 ? "" : ", seed \(seed)")
    }

    var tag: String { "\(Int(lossPercent))-\(uplink ? "up" : "down")-\(redundantFrames)-\(seed)" }

    /// Measured on 2 shared cores (PESQ-WB, 2026-12-05, the load average each case printed
    /// 0.4–0.9), 9 runs of all nine cases: 10 % loss with one copy 3.436–3.438 on the downlink,
    /// 3.725–3.727 on the uplink (3.447 and 3.530 in the two runs where the jitter buffer
    /// stretched once inside speech); 20 % with two copies 3.336–3.337 on the downlink,
    /// 3.424–3.425 on the uplink; clean 3.922–3.924 without copies and with one, 3.692–3.694 with
    /// two (26.4 kbit/s). The loss is seeded and drawn for each media datagram, and the
    /// microphones start only once every member holds the room's keys and every stream goes by UDP
    /// (`LossRoom.ready`), so the draws start at the stream's first frame and each case loses the
    /// same frames run after run: the scores repeat to the third decimal unless the jitter buffer
    /// stretches inside speech (0.14–0.47 less; a stretch inside a word on a busy machine).
    /// Until 2026-12-05 the test started the microphone after a fixed second: a listener's media
    /// came by TCP, past the path, until its first keepalive, 0.85–1.3 s into the stream, and a
    /// speaker sent nothing until the rekey its arrival caused (batched to whole seconds), so
    /// the pattern slid against the speech with the room's timing (the 20 % downlink with seed 42
    /// then lost five datagrams in a row in the first word and scored 2.77–2.82; a 10 % uplink
    /// run in CI lost 63 datagrams instead of 69 and scored 3.248). Other seeds lose other
    /// frames: 20 % on the downlink scored 3.263 (seed 1), 3.209 (2), 3.327 (3), 3.397 (4) and
    /// 3.158 (5, where the buffer stretches once every run) against 3.336 for seed 42 in the same
    /// runs, so the downlink at 20 % runs three patterns: 42 and the first two of those five. With
    /// the speaker sending no copies over the same patterns (its frames at the full bit rate):
    /// 1.618 / 1.973 at 10 %, 1.256 / 1.397 at 20 % (downlink / uplink; seeds 1 and 2: 1.317,
    /// 1.231), and every lossy case fails (earlier, with the receiver ignoring the copies: 1.59 /
    /// 1.97 and 1.25 / 1.38). So the floors are the issue's 3.3 at 10 %; at 20 % 3.2, 3.15 and
    /// 3.1 on the downlink with seeds 42, 1 and 2, about 0.1 below their figures, and 3.1 on the
    /// uplink, all above the issue's 2.8; clean 3.7 (3.5 with two copies), about 0.2 below what
    /// was measured, room for one stretch on a busy machine; the share of lost frames the copies
    /// saved (91 % with one copy, 92–97 % with two; 0 without) is asserted too (docs/PROTOCOL.md
    /// §6.2).
    static let all: [LossCase] = [
        LossCase(lossPercent: 0, redundantFrames: 0, floor: 3.7),
        LossCase(lossPercent: 0, redundantFrames: 1, floor: 3.7),
        LossCase(lossPercent: 0, redundantFrames: 2, floor: 3.5),
        LossCase(lossPercent: 10, redundantFrames: 1, floor: 3.3),
        LossCase(lossPercent: 20, redundantFrames: 2, floor: 3.2),
        LossCase(lossPercent: 20, redundantFrames: 2, floor: 3.15, seed: 1),
        LossCase(lossPercent: 20, redundantFrames: 2, floor: 3.1, seed: 2),
        LossCase(lossPercent: 10, uplink: true, redundantFrames: 1, floor: 3.3),
        LossCase(lossPercent: 20, uplink: true, redundantFrames: 2, floor: 3.1),
    ]
}


extension RoomEndToEndTests {
    /// Speech captured through the real alsa-lib `file` plugin by the speaker's audio engine goes
    /// through a real relay to a listener whose engine plays it into another `file` plugin,
    /// with seeded random loss on the relay's datagrams to the listener, or on the speaker's to
    /// the relay. The speaker sends copies of the previous frame in every packet (Opus FEC
    /// planning for no loss, as a client does while it sends copies); the listener's playback
    /// is scored with PESQ-WB against the speech. The copies must really be what saved the frames:
    /// the listener counts frames played from them. The cases run together (`lossRooms`), each
    /// with a listener and an impaired path of its own, and each is held to its own figures.
    @Test(arguments: LossCase.all) func redundantCopiesCarrySpeechThroughLoss(_ loss: LossCase) async throws {
        let heard = try await Self.lossRooms.value(for: loss.tag)
        let statistics = heard.statistics
        print(String(format: "redundancy: %@: PESQ-WB %.3f; ", loss.testDescription, heard.score)
              + "dropped \(heard.dropped) datagrams; listener lost \(statistics.lostFrames) frames, "
              + "\(statistics.redundancyRecoveredFrames) from copies, FEC rebuilt \(statistics.recoveredFrames), "
              + "malformed bodies \(statistics.malformedBodies); stretched \(statistics.stretchedFrames), "
              + "shrunk \(statistics.shrunkFrames); \(heard.audio)")
        #expect(heard.score >= loss.floor, "\(loss.testDescription): PESQ-WB \(heard.score)")
        #expect(statistics.malformedBodies == 0)
        if loss.lossPercent > 0 {
            #expect(heard.dropped > 30, "media went through the impaired path")
            // Frames lost and not saved by a copy: those whose next packet (or next two) was lost
            // too, and those whose copy came after they were due.
            // Measured 91 % saved with one copy, 92–97 % with two.
            let share = loss.redundantFrames >= 2 ? 0.85 : 0.8
            #expect(Double(statistics.redundancyRecoveredFrames) >= share * Double(statistics.lostFrames),
                    "copies saved \(statistics.redundancyRecoveredFrames) of \(statistics.lostFrames) lost frames")
        } else {
            // A busy machine may run a period late now and then, but nothing is lost on the way.
            #expect(statistics.lostFrames <= 5 && statistics.redundancyRecoveredFrames <= statistics.lostFrames)
        }
    }

    /// The rooms of every case, run once (`speakThroughLoss`).
    static let lossRooms = SharedRun { try await speakThroughLoss(LossCase.all) }

    /// What one case's listener came away with: its playback's PESQ-WB, its media statistics, the
    /// datagrams its path dropped, and what the audio threads went through.
    struct LossHeard: Sendable {
        let score: Double
        let statistics: MediaStatistics
        let dropped: Int
        let audio: String
    }

    /// Listeners (with their engines and paths) in the rooms that run at once. All nine at once,
    /// a jitter buffer stretched about once a run (14 runs), twice costing a case 0.16–0.45 (the
    /// 10 % uplink, under its floor once); five at once, about once in three runs (14 runs),
    /// twice costing the 10 % uplink 0.20–0.28, as it did before the rooms were shared (3.485).
    static let listenersAtOnce = 5

    /// Runs `cases` on one relay and returns what each case's listener heard, by its tag. One
    /// room per speaker: the downlink cases whose speaker sends the same copies share a room, each
    /// listener behind an impaired path of its own (the speaker's stream does not follow its
    /// listeners' loss: its copies are held at a number and its FEC does not adapt), and each
    /// uplink case has a room of its own, its speaker behind the path. The rooms run in turns of
    /// at most `listenersAtOnce` listeners; the recordings are scored once all are done.
    static func speakThroughLoss(_ cases: [LossCase]) async throws -> [String: LossHeard] {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let dir = try TemporaryDirectory()
        let speech = try SpeechFixture.samples()
        // A microphone's stream runs from the moment its speaker is on stage, so speech starts
        // inside a stream whose jitter buffers have settled (their first corrections fall in the
        // silence, not in a word): two seconds of it before the speech.
        let leadIn = [Int16](repeating: 0, count: 2 * 48_000)
        try (leadIn + speech).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir.path("mic.raw"))) }
        let downlink = Dictionary(grouping: cases.filter { !$0.uplink }, by: \.redundantFrames).sorted { $0.key < $1.key }.map(\.value)
        let rooms = downlink + cases.filter(\.uplink).map { [$0] }
        // First fit, the largest room first.
        var turns: [[[LossCase]]] = []
        for room in rooms.sorted(by: { $0.count > $1.count }) {
            if let turn = turns.firstIndex(where: { $0.joined().count + room.count <= Self.listenersAtOnce }) {
                turns[turn].append(room)
            } else {
                turns.append([room])
            }
        }
        var heard: [(tag: String, statistics: MediaStatistics, dropped: Int, audio: String)] = []
        for turn in turns {
            heard += try await Self.speak(leadIn.count + speech.count, in: turn, relay: relay, mic: dir.path("mic.raw"), ears: dir)
        }
        let reference = dir.path("reference.wav")
        try writeWAV(speech, to: reference)
        return try await withThrowingTaskGroup(of: (String, LossHeard).self) { group in
            for listener in heard {
                let ear = dir.path("ear-\(listener.tag)")
                let played = try Data(contentsOf: URL(fileURLWithPath: ear + ".raw")).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
                try writeWAV(played, to: ear + ".wav")
                group.addTask {
                    let score = try SpeechScore.pesq(reference: reference, degraded: ear + ".wav", maxLagSeconds: 6)
                    return (listener.tag, LossHeard(score: score, statistics: listener.statistics, dropped: listener.dropped, audio: listener.audio))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    /// One turn: `rooms` (each a list of cases sharing a speaker) set up, their microphones run
    /// for `samples` (the raw file `mic`) and half a second more (the last frames' way to the
    /// listeners' files: a jitter buffer's 40 ms and a frame or two in the playback ring), each listener read as its speaker
    /// falls silent, and everything stopped; the listeners played into `ears`' `ear-TAG.raw`.
    static func speak(_ samples: Int, in rooms: [[LossCase]], relay: TestRelay, mic: String,
                      ears: TemporaryDirectory) async throws -> [(tag: String, statistics: MediaStatistics, dropped: Int, audio: String)] {
        var running: [LossRoom] = []
        defer {
            for room in running {
                for member in room.members { member.client.stop() }
                for listener in room.listeners { listener.path.stop() }
            }
        }
        for cases in rooms {
            running.append(try LossRoom(cases, relay: relay, mic: mic, ears: ears))
        }
        for room in running { try await room.ready() }
        // The microphones' audio threads start spread over a frame, as independent speakers'
        // are: started together, the speakers would all encode, sign and send at one instant.
        for room in running {
            try room.mic.start()
            usleep(useconds_t(OpusSettings().frameMilliseconds * 1_000 / running.count))
        }
        try await Task.sleep(for: .seconds(Double(samples) / 48_000 + 0.5))
        // Each room's listeners are read as their speaker falls silent: a jitter buffer counts
        // the frames a stream that stopped no longer brings as lost.
        var heard: [(tag: String, statistics: MediaStatistics, dropped: Int, audio: String)] = []
        for room in running {
            room.mic.stop()
            for listener in room.listeners {
                heard.append((listener.loss.tag, listener.member.client.statistics.media, listener.path.dropped,
                              "mic xruns \(room.mic.statistics.xruns), late \(room.mic.statistics.lateWakeups); "))
            }
        }
        for (index, listener) in running.flatMap(\.listeners).enumerated() {
            listener.ear.stop()
            heard[index].audio += "ear underflows \(listener.ear.statistics.playbackUnderflows), late \(listener.ear.statistics.lateWakeups); "
                + "load \(Self.loadAverage())"
        }
        return heard
    }

    /// The one-minute load average: the machine's other work disturbs real-time runs.
    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").first.map(String.init) ?? "?"
    }
}

/// One room of `speakThroughLoss`: a host, a speaker whose audio engine captures the raw file of
/// speech through the real alsa-lib `file` plugin and runs its media loop (the capture chain off,
/// so the frames sent are the file's), and one listener for each case, whose engine plays into a
/// `file` plugin of its own. A downlink case's listener reaches the relay through its own
/// `ImpairedPath`; an uplink case, alone in its room, puts the path under the speaker instead.
struct LossRoom {
    struct Listener {
        let loss: LossCase
        let member: TestMember
        let ear: AudioEngine
        let path: ImpairedPath
    }

    let host: TestMember
    let speaker: TestMember
    let mic: AudioEngine
    let listeners: [Listener]
    var members: [TestMember] { [speaker] + listeners.map(\.member) + [host] }

    /// Everyone joined, the listeners' engines playing; the microphone is not started yet.
    /// `cases` share the speaker, so the same copies.
    init(_ cases: [LossCase], relay: TestRelay, mic: String, ears: TemporaryDirectory) throws {
        let frame = OpusSettings().frameSamples
        let room = try relay.hostRoom()
        host = try TestMember.host(room, title: "Lossy")
        var listeners: [Listener] = []
        for loss in cases {
            let ear = try hermeticEar(ears.path("ear-\(loss.tag).raw"), frameSamples: frame)
            let path = try ImpairedPath(relayPort: relay.address.port, lossPercent: loss.lossPercent, lossOnUplink: loss.uplink, seed: loss.seed)
            let link = loss.uplink ? room.listenLink : room.listenLink.through(path)
            let listener = try TestMember.join(RoomIdentity(link: link, name: "Ear"), media: MediaIO(mixSinks: [PlaybackRingSink(ring: ear.toPlay)]))
            listeners.append(Listener(loss: loss, member: listener, ear: ear, path: path))
            #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
            try ear.start()
        }
        self.listeners = listeners
        self.mic = try hermeticMicrophone(mic, frameSamples: frame)
        var speakLink = try #require(host.speakLink)
        if cases[0].uplink { speakLink = speakLink.through(listeners[0].path) }
        speaker = try TestMember.join(RoomIdentity(link: speakLink, name: "Mic"), media: MediaIO(engine: self.mic),
                                      settings: OpusSettings(expectedLossPercent: 0),
                                      capture: CaptureProcessor.Settings(echoCancellation: false, noiseSuppression: false, automaticGain: false),
                                      redundantFrames: cases[0].redundantFrames)
        #expect(speaker.events.wait { $0.contains { $0.name == "joined" } })
    }

    /// Waits until the first word can go out and be lost where the seed says: every member holds
    /// the room's current epoch (the speaker's arrival moved the room on, and it sends once it
    /// holds the keys), and the lossy side of each path carries media by UDP: a listener's once
    /// the relay heard its first keepalive (until then the relay sends it media by TCP, past the
    /// path's loss), a speaker's once it heard the relay by UDP. So the seeded loss draws from
    /// the stream's first frame on, however long the room took to get there.
    func ready() async throws {
        let members = self.members
        #expect(host.events.wait { _ in
            let epoch = host.client.state.epochs.current
            return epoch != nil && members.allSatisfy { $0.client.state.epochs.current == epoch }
        }, "every member holds the room's epoch")
        for listener in listeners {
            if listener.loss.uplink {
                #expect(speaker.events.wait { _ in speaker.client.statistics.udp }, "the speaker sends by UDP")
            } else {
                #expect(listener.member.events.wait { _ in listener.path.keepalives > 0 }, "the relay sends the listener media by UDP")
            }
        }
    }
}
