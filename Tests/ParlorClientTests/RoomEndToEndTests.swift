import Foundation
import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorTestSupport
import Testing

/// Whole rooms on loopback: a real relay, real sessions over TCP and UDP, real Opus and real
/// speech, everything but the sound card (files stand in for microphones and speakers).
@Suite(.serialized) struct RoomEndToEndTests {
    @Test func speechReachesEveryListenerAtOpusQuality() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let dir = try TemporaryDirectory()
        let room = try relay.hostRoom()
        let host = try TestMember.join(RoomIdentity(hosting: room, name: "Hélène", title: "Tea at five", listed: false))
        #expect(host.events.wait { $0.contains { $0.name == "joined" } })

        let listeners = try (1...2).map { n in
            try TestMember.join(RoomIdentity(link: room.listenLink, name: "Listener \(n)"),
                                media: MediaIO(mixSinks: [WAVFileSink(path: dir.path("listener\(n).wav"))]))
        }
        for listener in listeners {
            #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
        }
        let speech = try SpeechFixture.wav().path
        let source = try WAVFileSource(path: speech, loop: false)
        let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Speaker"), media: MediaIO(source: source))
        #expect(speaker.events.wait { $0.contains { $0.name == "joined" } })
        for listener in listeners {
            #expect(listener.events.wait { $0.contains { $0.name == "speaking_started" } })
        }
        // The speech lasts about 12 s; once the file ended, half a second for its last frames to
        // play out, then leave.
        let seconds = Double(try WAVReader(path: speech).samples.count) / 48_000
        #expect(speaker.events.wait(seconds + 10) { _ in source.finished })
        try await Task.sleep(for: .seconds(0.5))
        for member in listeners + [speaker, host] { member.client.stop() }

        let reference = dir.path("opus-alone.wav")
        try opusAlone(speech, settings: OpusSettings(), output: reference)
        let alone = try SpeechScore.pesq(reference: speech, degraded: reference)
        for n in 1...2 {
            let score = try SpeechScore.pesq(reference: speech, degraded: dir.path("listener\(n).wav"), maxLagSeconds: 6)
            print("PESQ-WB listener \(n): \(score) (Opus alone: \(alone))")
            #expect(score > alone - 0.2, "listener \(n) scored \(score), Opus alone \(alone)")
        }
        // Every frame carried the speaker's signature (PROTOCOL §6.4): the batches verified
        // under its member key, none was forged, nothing was withheld.
        for listener in listeners {
            let media = listener.client.statistics.media
            #expect(media.batchesVerified > 50 && media.batchesForged == 0 && media.framesWithheld == 0,
                    "verified \(media.batchesVerified), forged \(media.batchesForged), withheld \(media.framesWithheld)")
            #expect(media.slotMismatches == 0 && media.countersOutOfRange == 0)
        }
        // The listener saw the speaker on stage, with its name, and the host's title.
        let joined = listeners[0].events.all.first { $0.name == "joined" }
        if case let .joined(title, you, members, code)? = joined {
            #expect(title == "Tea at five")
            #expect(you.role == .listener)
            #expect(members.contains { $0.name == "Hélène" && $0.role == .host })
            #expect(code.isEmpty, "no keys yet: they come from the host, not from the link")
        }
        // The safety code comes with the keys, and the listeners read the host's.
        #expect(listeners.allSatisfy { $0.client.state.safetyCode?.count == 23 })
        #expect(listeners[0].events.all.contains { if case .speakerAdded(let m) = $0 { m.name == "Speaker" } else { false } })
    }
}
