import Foundation
import ParlorTestSupport

/// What the network-fault tests share: a `NamespacedRoom` whose speaker loops the fixture speech
/// padded with silence, and the timeline of its repetitions. `run` builds it, hands it to the
/// test, and always takes it down.
struct SpeakingRoom {
    let room: NamespacedRoom
    let net: NetworkNamespaces
    let dir: TemporaryDirectory
    /// Seconds from one repetition of the speech to the next.
    let period: Double
    /// When the speaker joined: its file, and repetition 0 (the clean one), started then.
    let speaking: Date

    /// Half a second before repetition `repetition` starts, in the silence ending the one before:
    /// when faults change.
    func start(_ repetition: Int) -> Date {
        speaking.addingTimeInterval(Double(repetition) * period - NetworkFaultTests.padSeconds / 2)
    }

    /// Runs `body` on a room made in network namespaces named after `name`.
    static func run(_ name: String, _ body: (SpeakingRoom) throws -> Void) throws {
        try NetworkNamespaces.requireAvailable()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let net = try NetworkNamespaces(name)
        defer { net.remove() }
        let room = try NamespacedRoom(on: net, in: dir)
        defer { room.stop() }
        let (looped, period) = try NetworkFaultTests.paddedSpeech(in: dir)
        let speaking = try room.startSpeaker(looping: looped)
        try body(SpeakingRoom(room: room, net: net, dir: dir, period: period, speaking: speaking))
    }
}
