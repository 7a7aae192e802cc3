import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

@Suite(.serialized) struct RoomRecorderTests {
    static let frame = 960

    static func frame(_ value: Int16) -> [Int16] { [Int16](repeating: value, count: frame) }

    /// Two speakers, one joining late and one falling silent: every file is as long as the mix,
    /// and each speaker's samples sit at the frames they were heard.
    @Test func mixAndEachSpeakerShareOneTimeline() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let recorder = try RoomRecorder(folder: dir.url.path, frameSamples: Self.frame)
        for k in 0..<10 {
            if k < 4 { try Self.frame(100).withUnsafeBufferPointer { try recorder.record(speaker: "ada", $0) } }
            if k >= 3 && k != 6 { try Self.frame(200).withUnsafeBufferPointer { try recorder.record(speaker: "bob/../x", $0) } }
            try Self.frame(Int16(k)).withUnsafeBufferPointer { try recorder.recordMix($0) }
        }
        recorder.close()

        let mix = try WAVReader(path: dir.path(RoomRecorder.mixFileName)).samples
        #expect(mix == (0..<10).flatMap { Self.frame(Int16($0)) })
        let ada = try WAVReader(path: dir.path(try #require(recorder.speakerFiles["ada"]))).samples
        #expect(ada == (0..<10).flatMap { Self.frame($0 < 4 ? 100 : 0) })
        let bobFile = try #require(recorder.speakerFiles["bob/../x"])
        #expect(!bobFile.contains("/") && bobFile.hasSuffix(".wav"), "\(bobFile)")
        let bob = try WAVReader(path: dir.path(bobFile)).samples
        #expect(bob == (0..<10).flatMap { Self.frame($0 >= 3 && $0 != 6 ? 200 : 0) })
    }

    @Test func speakerNamesBecomeSafeDistinctFileNames() {
        #expect(RoomRecorder.fileName(forSpeaker: "Zoë 🎧", index: 1) == "speaker-1-Zo___.wav")
        #expect(RoomRecorder.fileName(forSpeaker: "../etc/passwd", index: 2) == "speaker-2-___etc_passwd.wav")
        let long = RoomRecorder.fileName(forSpeaker: String(repeating: "a", count: 500), index: 3)
        #expect(long.count == "speaker-3-.wav".count + RoomRecorder.maximumNameLength)
    }
}
