import ParlorCrypto
import ParlorProtocol

/// A room that stays live while something else happens to its relay (a bad-input campaign,
/// churn in another room): a host speaking 50 frames a second and listeners whose loss is
/// counted from the relay's hop counters (`HopCounterTally`).
public final class LiveRoom {
    /// What the room's listeners heard.
    public struct Figures: Sendable {
        public var framesSent = 0
        public var expected = 0
        public var received = 0
        public var lossPercent: Double {
            expected > 0 ? Double(max(expected - received, 0)) * 100 / Double(expected) : 0
        }
    }

    private let speaker: PacedSpeaker
    private let tally = HopCounterTally()
    /// Kept open until `finish`; the speaker's thread sends their keepalives.
    private var listeners: [RelaySocketSession]

    /// Creates the room on the relay at `port`, joins `listenerCount` listeners with UDP media,
    /// and starts speaking and counting.
    public init(port: UInt16, relayKey: [UInt8], listenerCount: Int) throws {
        let room = try BenchRoom()
        let host = try RelayChurnBenchmark.host(room: room, port: port, relayKey: relayKey)
        listeners = try (0..<listenerCount).map { _ in
            let listener = try RelaySocketSession(port: port, relayKey: relayKey)
            _ = try listener.join(room: room)
            try listener.setUpMedia()
            return listener
        }
        for listener in listeners { tally.add(listener.udp) }
        speaker = PacedSpeaker(host, keepingAlive: listeners)
        tally.start()
        speaker.start()
    }

    /// Stops speaking, waits for the last datagrams, closes every session of the room and returns
    /// what its listeners heard.
    public func finish() -> Figures {
        var figures = Figures()
        figures.framesSent = speaker.stop()
        let heard = tally.finish()
        figures.expected = heard.expected
        figures.received = heard.received
        listeners.removeAll()
        return figures
    }
}
