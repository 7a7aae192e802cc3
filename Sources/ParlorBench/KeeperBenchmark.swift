import Foundation
import ParlorClient
import ParlorCrypto
import ParlorProtocol

/// What the room's keeper pays, measured on the product's `RoomSession`: checking each newcomer's
/// credential as the relay announces it, and moving a room of N members to a new epoch (a fresh
/// secret, the signed statement, one sealed box per member, the `key_delivery` messages).
public enum KeeperBenchmark {
    public struct Figure: Sendable {
        public let members: Int
        /// Milliseconds to take in all the members' `member_joined` (credential checks included).
        public let admitMilliseconds: Double
        /// Milliseconds for one rekey of the whole room.
        public let rekeyMilliseconds: Double
        public let deliveries: Int
        public let deliveryBytes: Int
    }

    public static func run(memberCounts: [Int]) throws -> [Figure] {
        try memberCounts.map(measure)
    }

    static func measure(members count: Int) throws -> Figure {
        let relay = RelayAddress(host: .ipv4("127.0.0.1"), port: 7700)
        let now = UInt64(Date().timeIntervalSince1970)
        let room = try HostedRoom(relay: relay, relayPublicKey: X25519KeyPair.generate().publicKey, now: now)
        var host = RoomSession(identity: RoomIdentity(hosting: room, name: "Host", title: "Bench", listed: false))
        _ = host.connected(handshakeHash: [UInt8](repeating: 0, count: 64))
        _ = host.receive(.joined(Joined(memberIndex: 0, senderSlot: 1, role: .host, epoch: 0, roster: [])), now: now)
        let admission = room.listenLink.admission
        let entries = (0..<count).map { index -> MemberEntry in
            let key = Ed25519SigningKey.generate(), box = X25519KeyPair.generate().publicKey
            return MemberEntry(memberKey: key.publicKey, boxKey: box, role: .listener, senderSlot: UInt16(2 + index % 60_000),
                               credential: MemberCredential(roomID: room.keys.roomID, memberKey: key, boxKey: box,
                                                            link: (admission.linkKey, admission.grant)))
        }
        let admitStart = DispatchTime.now().uptimeNanoseconds
        for entry in entries { _ = host.receive(.memberJoined(MemberJoined(member: entry)), now: now) }
        let admitted = DispatchTime.now().uptimeNanoseconds - admitStart
        let later = now + RoomSession.rekeyInterval(members: count + 1)
        let rekeyStart = DispatchTime.now().uptimeNanoseconds
        let effects = host.tick(now: later)
        let rekeyed = DispatchTime.now().uptimeNanoseconds - rekeyStart
        let messages = effects.compactMap { effect -> ControlMessage? in if case .send(let m) = effect { m } else { nil } }
        let sealed = messages.map { message -> Int in if case .keyDelivery(let d) = message { d.secrets.count } else { 0 } }.reduce(0, +)
        guard sealed == count else {
            throw RelayBenchmark.Failure(description: "the keeper sealed the epoch to \(sealed) of \(count) members")
        }
        return Figure(members: count, admitMilliseconds: Double(admitted) / 1e6, rekeyMilliseconds: Double(rekeyed) / 1e6,
                      deliveries: messages.count, deliveryBytes: messages.map(\.encoded.count).reduce(0, +))
    }

    public static func text(_ figures: [Figure]) -> String {
        figures.map { f in
            String(format: "%d members: admitting all %.0f ms (%.0f µs each, credential checks included); one rekey %.1f ms "
                   + "(%.1f µs a member), %d key_delivery messages, %d bytes", f.members, f.admitMilliseconds,
                   1000 * f.admitMilliseconds / Double(f.members), f.rekeyMilliseconds, 1000 * f.rekeyMilliseconds / Double(f.members),
                   f.deliveries, f.deliveryBytes)
        }.joined(separator: "\n")
    }
}
