import Foundation
import ParlorAudio
import ParlorTestSupport
import Testing

/// Network faults between real processes (issue #9): the relay in one network namespace, the
/// members in another, joined by a veth pair. This kernel has no sch_netem, so loss and jitter
/// come from a netfilter queue on the relay's veth egress (`NetworkFaultQueue`): everything the
/// relay sends, control and media, as netem there would. A partition drops everything crossing
/// the link, silently, in both namespaces. Runs as root where `ip netns add` works; with
/// PARLOR_REQUIRE_NETNS=1 (as `make test` sets) it fails where it cannot run.
@Suite(.serialized, .enabled(if: NetworkNamespaces.shouldRun)) struct NetworkFaultTests {
    /// Silence after the speech in the speaker's looped file: loss levels change in it.
    static let padSeconds = 1.0

    /// The fixture speech with `padSeconds` of silence after it; its length in seconds.
    static func paddedSpeech(in dir: TemporaryDirectory) throws -> (path: String, seconds: Double) {
        let path = dir.path("speech-padded.wav")
        try Command.run(["sox", try SpeechFixture.wav().path, path, "pad", "0", String(padSeconds)])
        return (path, Double(try WAVReader(path: path).samples.count) / 48_000)
    }

    static func sleep(until moment: Date) {
        let wait = moment.timeIntervalSinceNow
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }

    /// The loss test's passes and the PESQ-WB each must beat. A clean pass goes first, unscored:
    /// the listener gets the speaker's keys during it, which costs the speech's first syllables.
    /// The speaker's FEC starts off and comes on once the listener's loss report reaches it,
    /// 4–7 s into a pass after clean time. With FEC following the loss, 14 runs scored
    /// 2.39–3.01 / 1.89–2.45 / 1.43–2.01 at 5 / 15 / 30 % (README); without FEC (a lone speaker
    /// before listeners reported loss) 1.42–1.46 at 15 % and 1.16–1.18 at 30 %, and 2.40 at 5 %.
    /// This machine with the whole-reference score: 2.32–2.82 / 1.76–1.98 / 1.80–1.91 over 4 runs.
    /// With redundant copies following the reports instead of FEC (issue #17): 3.25–3.45 /
    /// 2.45–2.91 / 2.58–2.66 over 2 runs; the floors are left where FEC alone put them.
    /// So the 15 % and 30 % floors sit above what no FEC scores (by 0.08 over the old 1.57 and
    /// 0.19 over 1.46 at 15 %, by 0.12 at 30 %) and below the lowest with FEC (by 0.11 and 0.13);
    /// at 5 % the two overlap, and the floor only says that speech carries on. That redundancy came on
    /// is asserted from the speaker's own word (stderr: "N redundant frames a packet"; with copies on,
    /// Opus FEC plans for no loss).
    static let passes: [(lossPercent: Double, floor: Double)] = [(5, 2.2), (15, 1.65), (30, 1.3)]
    static let jitterMilliseconds = 50.0

    /// One pass of the speech each under 5 %, 15 % and 30 % loss with 50 ms jitter on
    /// everything the relay sends, in one room; the listener's recording is cut into the passes
    /// and each is scored with PESQ-WB. The speaker stays on everyone's stage throughout.
    @Test func speechCarriesOnThroughLossAndJitter() throws {
        let started = Date()
        // Pass n (from 1) is the n-th repetition of the speech after the clean one.
        try SpeakingRoom.run("loss") { speaker in
            let (room, dir, period) = (speaker.room, speaker.dir, speaker.period)
            var reports: [NetworkFaultQueue.Report] = []
            for (index, pass) in Self.passes.enumerated() {
                Self.sleep(until: speaker.start(index + 1))
                if index > 0 { reports.append(try room.faults.report()) } else { _ = try room.faults.report() }
                room.faults.impair(lossPercent: pass.lossPercent, jitterMilliseconds: Self.jitterMilliseconds)
            }
            Self.sleep(until: speaker.start(Self.passes.count + 1))
            reports.append(try room.faults.report())
            let speakingStarted = room.events("speaking_started", of: room.listener, member: NamespacedRoom.speakerName)
                .map { NamespacedRoom.time(of: $0) }
            let departures = room.departures, reconnections = room.reconnections
            room.stop()
            // The speaker's FEC came on: it says on stderr each time its setting changes.
            let fecSettings = (room.speaker?.errors ?? "").split(separator: "\n")
                .compactMap { $0.firstMatch(of: /parlor: FEC prepared for (\d+) % loss/).flatMap { Int($0.1) } }
            let redundancy = (room.speaker?.errors ?? "").split(separator: "\n")
                .compactMap { $0.firstMatch(of: /parlor: (\d+) redundant frames a packet/).flatMap { Int($0.1) } }
            print("netns: the speaker's FEC settings in turn: \(fecSettings) %; redundant frames: \(redundancy)")
            #expect(redundancy.contains { $0 > 0 }, "the speaker's redundancy came on: \(room.speaker?.errors.suffix(500) ?? "")")

            let speech = try SpeechFixture.wav().path
            let cuts = try Self.cut(room.recording, speech: speech, period: period, repetitions: Array(1...Self.passes.count), in: dir)
            for (index, pass) in Self.passes.enumerated() {
                let score = try SpeechScore.pesq(reference: speech, degraded: cuts[index], maxLagSeconds: 1.5)
                print(String(format: "netns: %.0f %% loss, %.0f ms jitter on the relay's egress: PESQ-WB %.2f; ",
                             pass.lossPercent, Self.jitterMilliseconds, score) + "\(reports[index])")
                #expect(score > pass.floor, "\(pass.lossPercent) % loss: PESQ-WB \(score)")
                #expect(speakingStarted.contains { $0 > speaker.start(index + 1) && $0 < speaker.start(index + 2) },
                        "the listener heard the speaker at \(pass.lossPercent) % loss")
                #expect(reports[index].dropped > 0 && reports[index].reordered > 0, "faults were applied: \(reports[index])")
            }
            print(String(format: "netns: loss test took %.1f s; %d reconnections", Date().timeIntervalSince(started), reconnections))
            #expect(departures.isEmpty, "nobody lost from the roster: \(departures)")
        }
    }

    /// The recording cut into one file per repetition of the speech asked for (1 is the first
    /// after the clean one): each starts half a second before its repetition and runs a second
    /// past it, for the scorer to align.
    /// The first repetition after the clean one is found as the first loud sample after 0.8 s
    /// of quiet (the pad), less the speech's own lead-in.
    static func cut(_ recording: String, speech: String, period: Double, repetitions: [Int], in dir: TemporaryDirectory) throws -> [String] {
        func loud(_ sample: Int16) -> Bool { abs(Int(sample)) > 1_000 }
        let heard = try WAVReader(path: recording).samples
        let reference = try WAVReader(path: speech).samples
        let leadIn = try #require(reference.firstIndex(where: loud), "no speech in \(speech)")
        let quiet = Int(0.8 * 48_000)
        var index = try #require(heard.firstIndex(where: loud), "nothing heard")
        var lastLoud = index
        while index < heard.count, !(loud(heard[index]) && index - lastLoud > quiet) {
            if loud(heard[index]) { lastLoud = index }
            index += 1
        }
        let first = Double(index - leadIn) / 48_000
        let speechSeconds = Double(reference.count) / 48_000
        return try repetitions.map { repetition in
            let path = dir.path("repetition-\(repetition).wav")
            try Command.run(["sox", recording, path, "trim", String(format: "%.3f", first + Double(repetition - 1) * period - 0.5),
                             String(format: "%.3f", speechSeconds + 1.5)])
            return path
        }
    }

    /// The link between the relay and every member is cut for 10 s: media comes back within a
    /// few seconds of the path, the control sessions carry commands again, and nobody is lost
    /// from the roster. After 6 s without the relay's datagrams the speaker's media goes inside
    /// TCP, whose congestion window has collapsed, so it drops frames rather than queue them
    /// (a backed-up write once held up the probes for 4.6 s); its probes every 0.5 s find UDP
    /// again within 0.2 s of the path. Commands wait for TCP's backed-off retransmission
    /// (4.2–4.4 s here; its worst case after a 10 s cut is about 6.4 s).
    @Test func aTenSecondPartitionIsRiddenOut() throws {
        try SpeakingRoom.run("cut") { speaker in
            let (room, net) = (speaker.room, speaker.net)
            // Cut so that the path comes back a second into the second pass, while the speaker talks.
            Self.sleep(until: speaker.start(1).addingTimeInterval(Self.padSeconds / 2 + 1 - 10))
            try net.cut()
            let cut = Date()
            Thread.sleep(forTimeInterval: 10)
            let dropped = try net.heal()
            let healed = Date()
            room.listener.send("{\"command\":\"raise_hand\"}")

            var mediaBack: Double?, controlBack: Double?
            while Date().timeIntervalSince(healed) < 20, mediaBack == nil || controlBack == nil {
                if mediaBack == nil, let started = room.events("speaking_started", of: room.listener, member: NamespacedRoom.speakerName)
                    .map(NamespacedRoom.time(of:)).first(where: { $0 > cut.addingTimeInterval(1) }) {
                    mediaBack = started.timeIntervalSince(healed)
                }
                if controlBack == nil, let raised = room.events("hand_raised", of: room.host).first {
                    controlBack = NamespacedRoom.time(of: raised).timeIntervalSince(healed)
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            let stopped = room.events("speaking_stopped", of: room.listener, member: NamespacedRoom.speakerName)
                .contains { NamespacedRoom.time(of: $0) > cut && NamespacedRoom.time(of: $0) < healed }
            let departures = room.departures, reconnections = room.reconnections
            room.stop()

            print(String(format: "netns: 10 s partition (%d packets dropped): speech back %.2f s and a command through %.2f s after the path returned; %d reconnections",
                         dropped, mediaBack ?? -1, controlBack ?? -1, reconnections))
            #expect(stopped, "the partition silenced the speaker")
            #expect(dropped > 100, "the partition dropped the room's packets")
            let media = try #require(mediaBack, "speech never came back")
            // README: 0.07–0.54 s over 10 partitions.
            #expect(media < 1, "speech back \(media) s after the path")
            let control = try #require(controlBack, "the host never saw the listener's hand")
            #expect(control < 10, "a command through \(control) s after the path")
            #expect(departures.isEmpty, "nobody lost from the roster: \(departures)")
        }
    }
}
