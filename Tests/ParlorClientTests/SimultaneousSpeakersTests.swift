import Foundation
import ParlorAudio
import ParlorClient
import ParlorTestSupport
import Testing

extension RoomEndToEndTests {
    static let simultaneousTexts = [
        "The quick brown fox jumps over the lazy dog, and the dog does not seem to mind at all.",
        "Seven silver swans swam slowly southward under a pale and windy autumn sky.",
        "Please bring the blue books back to the library before the end of next week.",
        "A warm cup of tea at five o'clock makes every long afternoon a little shorter.",
    ]
    static let simultaneousVoices = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp"]

    /// Two and four people talking at once, different speech each, through a real relay: the
    /// listener's recorder keeps each speaker on one timeline with the mix. Each speaker's own
    /// recording scores within 0.2 PESQ-WB of Opus alone on that speech; each voice is present in
    /// the mix (its recording correlates with the mix about as 1/√n of the power predicts, a voice
    /// not in the room does not); and the mix never reaches full scale (the limiter; the test
    /// prints the loudest sum of the voices beside it). Both cases' rooms run at once on one relay
    /// (`crowdRooms`); each case checks its own.
    @Test(arguments: RoomEndToEndTests.crowdCounts) func simultaneousSpeakersAreEachHeardInTheMix(count: Int) async throws {
        let crowd = try await Self.crowdRooms.value(for: count)
        let (dir, recordings, speeches, heardStatistics) = (crowd.dir, crowd.recordings, crowd.speeches, crowd.statistics)
        #expect(crowd.settled, "every member held the room's last epoch before the speech")
        #expect(crowd.epochAfter == crowd.epochBefore, "a rekey landed in the speech")
        let files = try FileManager.default.contentsOfDirectory(atPath: recordings)
        let mix = try WAVReader(path: recordings + "/" + RoomRecorder.mixFileName).samples
        print("\(count) speakers: listener lost \(heardStatistics.lostFrames), stretched \(heardStatistics.stretchedFrames), "
              + "\(heardStatistics.outputOverflows) frames dropped on their way to files, files \(files.sorted())")
        #expect(heardStatistics.outputOverflows == 0, "the recordings lost frames to a writer that fell behind")
        var voices: [[Int16]] = []
        for (index, speaker) in crowd.speakers.enumerated() {
            let name = try #require(files.first { $0.contains(speaker) }, "no recording of voice \(index) in \(files)")
            let path = recordings + "/" + name
            let alone = dir.path("alone-\(index).wav")
            try opusAlone(speeches[index], settings: OpusSettings(), output: alone)
            let aloneScore = try SpeechScore.pesq(reference: speeches[index], degraded: alone)
            // The per-speaker files are on the mix's timeline, which starts when the listener
            // joined: with four speakers joining and the room settling first, the voice starts
            // more than 4 s in, so the alignment searches 12 s (4 s found a wrong lag: 1.1–2.6).
            let score = try SpeechScore.pesq(reference: speeches[index], degraded: path, maxLagSeconds: 12)
            print(String(format: "%d speakers, voice %d: PESQ-WB %.3f (Opus alone %.3f)", count, index, score, aloneScore))
            // Measured within 0.004 of Opus alone (the loop adds no loss on loopback).
            #expect(score >= aloneScore - 0.1, "voice \(index) scored \(score), Opus alone \(aloneScore)")
            voices.append(try WAVReader(path: path).samples)
        }
        for (index, voice) in voices.enumerated() {
            let present = Self.correlation(mix, voice)
            // The same voice a second later is not what the mix holds at that moment.
            let absent = Self.correlation(mix, Array(repeating: 0, count: 48_000) + voice)
            print(String(format: "%d speakers, voice %d in the mix: correlation %.2f (shifted by 1 s: %.2f)", count, index, present, absent))
            #expect(present > 0.5 / Double(count).squareRoot(), "voice \(index) correlates \(present) with the mix")
            #expect(abs(absent) < 0.15)
        }
        let loudestSum = (0..<mix.count).reduce(0) { loudest, i in
            max(loudest, abs(voices.reduce(0) { $0 + (i < $1.count ? Int($1[i]) : 0) }))
        }
        let loudestMix = mix.map { abs(Int($0)) }.max() ?? 0
        print("\(count) speakers: loudest sum of the voices \(loudestSum), loudest mix sample \(loudestMix)")
        #expect(loudestMix < Int(Int16.max), "the mix reached full scale")
    }

    /// How many speak at once in each case's room.
    static let crowdCounts = [2, 4]
    /// The rooms of both cases, run once (`speakAtOnce`).
    static let crowdRooms = SharedRun { try await speakAtOnce(crowdCounts) }

    /// What one room of `simultaneousSpeakersAreEachHeardInTheMix` left: the listener's recordings
    /// (one file per speaker and the mix, in `recordings`), the speeches in the order of
    /// `speakers` (their member ids), the listener's statistics, and whether the room held one
    /// epoch through the speech.
    struct CrowdHeard: Sendable {
        let dir: TemporaryDirectory
        let recordings: String
        let speeches: [String]
        let speakers: [String]
        let statistics: MediaStatistics
        let settled: Bool
        let epochBefore: UInt64?
        let epochAfter: UInt64?
    }

    /// A room for each of `counts` on one relay, at once: a host, a listener recording each
    /// speaker and the mix, and that many speakers, different speech each, all starting at once.
    static func speakAtOnce(_ counts: [Int]) async throws -> [Int: CrowdHeard] {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        struct Room {
            let dir: TemporaryDirectory
            let host: TestMember
            let listener: TestMember
            let speakers: [TestMember]
            let sources: [GatedSource]
            let speeches: [String]
            var members: [TestMember] { speakers + [listener, host] }
        }
        var rooms: [Int: Room] = [:]
        // Everyone leaves before the recordings are read: a listener finalises its files as it leaves.
        defer { for room in rooms.values { for member in room.members { member.client.stop() } } }
        for count in counts {
            let dir = try TemporaryDirectory()
            let room = try relay.hostRoom()
            let host = try TestMember.join(RoomIdentity(hosting: room, name: "Host", title: "Crowd", listed: false))
            #expect(host.events.wait { $0.contains { $0.name == "joined" } })
            let recordings = dir.path("heard")
            try FileManager.default.createDirectory(atPath: recordings, withIntermediateDirectories: true)
            let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Ear"),
                                               media: MediaIO(perSpeakerDirectory: recordings))
            #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
            let speeches = try (0..<count).map { try SpeechFixture.wav(text: Self.simultaneousTexts[$0], voice: Self.simultaneousVoices[$0]).path }
            // Every speaker joins first, silent; then all start their speech at once.
            let sources = try speeches.map { try GatedSource(path: $0) }
            var speakers: [TestMember] = []
            for index in 0..<count {
                let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Voice \(index)"), media: MediaIO(source: sources[index]))
                #expect(speaker.events.wait { $0.contains { $0.name == "joined" } })
                speakers.append(speaker)
            }
            rooms[count] = Room(dir: dir, host: host, listener: listener, speakers: speakers, sources: sources, speeches: speeches)
        }
        // Each arrival moved the room to a new epoch (rekeys batched by the second): start once
        // everyone holds the last one, so that the speech is measured in one epoch (a rekey
        // mid-speech carries a speaker's stream on: `RekeyContinuityTests`).
        var settled: [Int: Bool] = [:]
        for (count, room) in rooms {
            settled[count] = room.listener.events.wait { _ in
                let epoch = room.host.client.state.epochs.current
                return epoch != nil && room.members.allSatisfy { $0.client.state.epochs.current == epoch }
            }
        }
        try await Task.sleep(for: .seconds(2.5))
        let before = rooms.mapValues { $0.host.client.state.epochs.current }
        for room in rooms.values { for source in room.sources { source.open() } }
        let longest = try rooms.values.flatMap(\.speeches).map { Double(try WAVReader(path: $0).samples.count) / 48_000 }.max() ?? 0
        try await Task.sleep(for: .seconds(longest + 1.5))
        var heard: [Int: CrowdHeard] = [:]
        for (count, room) in rooms {
            heard[count] = CrowdHeard(dir: room.dir, recordings: room.dir.path("heard"), speeches: room.speeches,
                                      speakers: room.speakers.map(\.id.text), statistics: room.listener.client.statistics.media,
                                      settled: settled[count] ?? false, epochBefore: before[count] ?? nil,
                                      epochAfter: room.host.client.state.epochs.current)
        }
        return heard
    }

    /// Pearson correlation of two recordings over their common length.
    static func correlation(_ a: [Int16], _ b: [Int16]) -> Double {
        let n = min(a.count, b.count)
        guard n > 0 else { return 0 }
        var sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0
        for i in 0..<n {
            let x = Double(a[i]), y = Double(b[i])
            sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y
        }
        let count = Double(n)
        let cov = sab / count - sa / count * sb / count
        let va = saa / count - sa / count * sa / count, vb = sbb / count - sb / count * sb / count
        return va > 0 && vb > 0 ? cov / (va * vb).squareRoot() : 0
    }
}

/// A WAV file that stays silent (sends nothing) until opened, then plays once (or over and
/// over, with `loop`).
final class GatedSource: FrameSource, @unchecked Sendable {
    private let file: WAVFileSource
    private let lock = NSLock()
    private var isOpen = false

    init(path: String, loop: Bool = false) throws { file = try WAVFileSource(path: path, loop: loop) }

    func open() { lock.withLock { isOpen = true } }

    func read(into frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
        guard lock.withLock({ isOpen }) else { return false }
        return file.read(into: frame)
    }
}
