import Foundation
import ParlorAudio
import ParlorTestSupport
import Testing

/// The score the room tests lean on: a recording is scored against the whole speech, aligned
/// either way, so one that lost its tail or starts before or after the reference is judged fairly.
@Suite struct SpeechScoreTests {
    /// The speech itself, 0.4 s late or 0.3 s early, scores as the speech; the same recording with
    /// its last 40 % lost scores far lower.
    @Test func aRecordingThatLostItsTailScoresLower() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let speech = try SpeechFixture.wav().path
        let seconds = Double(try WAVReader(path: speech).samples.count) / 48_000
        let late = dir.path("late.wav"), early = dir.path("early.wav"), cut = dir.path("cut.wav")
        try Command.run(["sox", speech, late, "pad", "0.4", "1"])
        try Command.run(["sox", speech, early, "trim", "0.3"])
        try Command.run(["sox", late, cut, "trim", "0", String(format: "%.3f", 0.4 + seconds * 0.6)])
        let whole = try SpeechScore.pesq(reference: speech, degraded: late)
        let ahead = try SpeechScore.pesq(reference: speech, degraded: early)
        let tailLost = try SpeechScore.pesq(reference: speech, degraded: cut)
        print(String(format: "SpeechScore: whole %.2f, 0.3 s early %.2f, last 40 %% lost %.2f", whole, ahead, tailLost))
        #expect(whole > 4.4, "the speech itself, late: \(whole)")
        #expect(ahead > 3.5, "the speech starting early is found at a negative lag: \(ahead)")
        #expect(tailLost < whole - 1, "a recording that lost its tail scores lower: \(tailLost) vs \(whole)")
    }
}
