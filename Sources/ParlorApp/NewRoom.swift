import Foundation
import ParlorClient
import ParlorCrypto
import ParlorProtocol

/// A room about to be hosted, as both host faces start one: the relay (given, or started in this
/// process), the room's keys and links, the host's identity, and the `room_created` event that
/// hands the links out.
struct NewRoom {
    let relay: RelayChoice
    let hosted: HostedRoom
    let identity: RoomIdentity
    let created: RoomEvent

    static func make(server: String?, relayKey: String?, title: String, name: String?, listed: Bool) async throws -> NewRoom {
        let relay = try await RelayChoice.resolve(server: server, relayKey: relayKey)
        let hosted = try HostedRoom(relay: relay.address, otherRelays: relay.others, relayPublicKey: relay.publicKey,
                                    now: UInt64(Date().timeIntervalSince1970))
        return NewRoom(relay: relay, hosted: hosted, identity: RoomIdentity(hosting: hosted, name: name, title: title, listed: listed),
                       created: .roomCreated(title: title, listenLink: hosted.listenLink.text, speakLink: hosted.speakLink.text,
                                             safetyCode: ""))
    }
}
