import Foundation
import ParlorClient
import ParlorProtocol
import ParlorTUI

/// Asks each saved room's relay, once, whether it still answers: a directory request over a
/// control session of its own (TCP, the Noise handshake under the relay key in the link, an
/// answer within a few seconds), which proves the relay is there and is the one the link names.
/// Nothing about the room is sent. The answers go to the hallway as events.
enum RelayProbes {
    /// Probes every relay among `rooms` (one probe per relay) on threads of their own.
    static func start(_ rooms: [SavedRoom], post: @escaping @Sendable (HallwayEvent) -> Void) {
        var seen: Set<String> = []
        for room in rooms where seen.insert(room.relay).inserted {
            guard let link = try? InviteLink.parse(room.link) else { continue }
            let relay = room.relay
            let thread = Thread {
                let answers = (try? RelayDirectory.fetch(relay: link.relay, relayKey: link.relayPublicKey)) != nil
                post(.relayProbed(relay: relay, answers: answers))
            }
            thread.name = "parlor-relay-probe"
            thread.start()
        }
    }
}

/// The error codes a stay's events carried, for what it says about the saved room's link.
final class VisitErrors: @unchecked Sendable {
    private let lock = NSLock()
    private var codes: [String] = []

    func observe(_ event: RoomEvent) {
        if case .error(let code, _) = event { lock.withLock { codes.append(code) } }
    }

    var all: [String] { lock.withLock { codes } }
}
