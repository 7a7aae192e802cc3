import ParlorCrypto
import ParlorProtocol

/// A room that stays live while something else happens to its relay (a bad-input campaign,
/// churn in another room): a host speaking 50 frames a second and listeners whose loss is
/// counted as the frames each heard of those sent (`HeardFrameTally`).
public final class LiveRoom {
    /// What the room's listeners heard.
    public struct Figures: Sendable {
        public var framesSent = 0
        public var expected = 0
        public var received = 0
        /// Frames heard twice: none, or the relay forwarded something twice.
        public var surplus = 0
        public var lossPercent: Double {
            expected > 0 ? Double(max(expected - received, 0)) * 100 / Double(expected) : 0
        }
    }

    private let speaker: PacedSpeaker
    private let tally = HeardFrameTally()
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
        speaker = PacedSpeaker(host, keepingAlive: listeners)
        for listener in listeners { tally.add(listener, speaker: speaker) }
        tally.start()
        speaker.start()
    }

    /// Stops speaking, waits for the last datagrams, closes every session of the room and returns
    /// what its listeners heard.
    public func finish() -> Figures {
        var figures = Figures()
        figures.framesSent = speaker.stop()
        let heard = tally.finish(framesSent: figures.framesSent)
        figures.expected = heard.expected
        figures.received = heard.received
        figures.surplus = heard.surplus
        listeners.removeAll()
        return figures
    }
}
