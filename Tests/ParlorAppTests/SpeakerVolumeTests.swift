import Foundation
import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorServer
import ParlorTestSupport
import Testing

/// The loudest sample written since the last `reset`, from the room client's mix.
private final class LoudestSample: FrameSink, @unchecked Sendable {
    private let lock = NSLock()
    private var loudest = 0

    func write(_ frame: UnsafeBufferPointer<Int16>) {
        let peak = frame.reduce(0) { max($0, abs(Int($1))) }
        lock.withLock { loudest = max(loudest, peak) }
    }

    func close() {}

    /// The loudest sample since the last call, and starts again.
    func reset() -> Int { lock.withLock { defer { loudest = 0 }; return loudest } }
}

/// `RoomClient.setVolume`, the room screen's per-speaker volume, in a real room on a relay in this
/// process: a speaker's voice in the listener's mix goes silent at gain 0 and comes back at 1,
/// while its talking events (measured before the gain) go on.
@Suite(.serialized) struct SpeakerVolumeTests {
    /// Time for the jitter buffer to play out what it held at the old gain, and to measure.
    static let settleSeconds = 0.5
    static let measureSeconds = 1.5

    @Test func aSpeakersVolumeScalesOnlyWhatThisListenerHears() async throws {
        let key = X25519KeyPair.generate()
        let relay = try await RelayServer.start(.init(host: "127.0.0.1", port: 0, key: key))
        let address = RelayAddress(host: .ipv4("127.0.0.1"), port: UInt16(relay.address.port!))
        let room = try HostedRoom(relay: address, relayPublicKey: key.publicKey, now: UInt64(Date().timeIntervalSince1970))
        let heard = LoudestSample()
        let talking = ManagedCount()
        let host = try RoomClient(identity: RoomIdentity(hosting: room, name: "Host", title: "Volume", listed: false),
                                  media: MediaIO(mixSinks: [heard])) { event in
            if case .speakingStarted = event { talking.add() }
        }
        host.start()
        let speakerIdentity = try RoomIdentity(link: room.speakLink, name: "Speaker")
        let speaker = try RoomClient(identity: speakerIdentity,
                                     media: MediaIO(source: try WAVFileSource(path: try SpeechFixture.wav().path, loop: true))) { _ in }
        speaker.start()
        defer {
            speaker.stop()
            host.stop()
        }
        #expect(await Self.eventually { talking.value > 0 }, "the speaker is heard talking")

        _ = heard.reset()
        try await Task.sleep(for: .seconds(Self.measureSeconds))
        let atFull = heard.reset()
        #expect(atFull > 1_000, "speech at full volume (loudest sample \(atFull))")

        host.setVolume(0, for: speakerIdentity.memberID)
        try await Task.sleep(for: .seconds(Self.settleSeconds))
        _ = heard.reset()
        var loudestLevel = LevelMeter.floor
        let end = Date().addingTimeInterval(Self.measureSeconds)
        while Date() < end {
            loudestLevel = max(loudestLevel, host.statistics.media.levels[speakerIdentity.memberID] ?? LevelMeter.floor)
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(heard.reset() == 0, "silent at volume 0")
        #expect(loudestLevel > LevelMeter.talkingThreshold, "its level (\(loudestLevel) dBFS) still shows it talking")

        host.setVolume(1, for: speakerIdentity.memberID)
        try await Task.sleep(for: .seconds(Self.settleSeconds))
        _ = heard.reset()
        try await Task.sleep(for: .seconds(Self.measureSeconds))
        #expect(heard.reset() > 1_000, "back at volume 1")
        await relay.stop()
    }

    /// Polls `condition` for up to 30 s (the machine may be busy).
    static func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }
}

/// A counter shared with a client's event callback.
private final class ManagedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
