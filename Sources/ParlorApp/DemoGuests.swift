import Foundation
import ParlorAudio
import ParlorClient
import ParlorProtocol

/// The people `make demo` brings into a new room so that a newcomer sees a live one at once: a
/// speaker who talks (a WAV made with espeak-ng at setup, looped) and a few listeners, one of
/// whom raises a hand after a few seconds so the host can invite them up. They are real room
/// clients in this process, over the same relay and encryption as anyone; stopping them is
/// leaving the room.
public final class DemoGuests: @unchecked Sendable {
    /// Names of the demo audience; the first raises a hand.
    public static let listenerNames = ["Noor", "Mateo", "Ingrid"]
    public static let speakerName = "Ada (demo speaker)"
    /// When the first listener raises a hand.
    public static let handDelaySeconds = 5.0

    private var clients: [RoomClient] = []

    /// The guests for a room given its two links and the demo speech file; `start` brings them in.
    public init(listenLink: InviteLink, speakLink: InviteLink, speech: String) throws {
        let speaker = try RoomClient(identity: try RoomIdentity(link: speakLink, name: Self.speakerName),
                                     media: MediaIO(source: try WAVFileSource(path: speech, loop: true))) { _ in }
        clients.append(speaker)
        for name in Self.listenerNames {
            let listener = try RoomClient(identity: try RoomIdentity(link: listenLink, name: name, listed: true),
                                          media: MediaIO(decode: false)) { _ in }
            clients.append(listener)
        }
    }

    /// Brings the guests in: call it once the host is in the room (before, the room does not exist).
    public func start() {
        clients.forEach { $0.start() }
        let raiser = clients[1]
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.handDelaySeconds) { raiser.perform(.raiseHand) }
    }

    /// Every guest leaves.
    public func stop() {
        clients.forEach { $0.stop() }
        clients = []
    }
}
