import Foundation
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import Testing

/// A hosted room and real `RoomSession`s without a network: the tests play the relay, honest or
/// not, by handing the sessions whatever messages they choose.
struct RoomFixture {
    let room: HostedRoom
    let relayKey = X25519KeyPair.generate().publicKey
    static let now: UInt64 = 1_800_000_000

    init() throws {
        room = try HostedRoom(relay: RelayAddress(host: .ipv4("127.0.0.1"), port: 7700), relayPublicKey: relayKey, now: Self.now)
    }

    /// A member made up by the test, admitted by `link` (the listen link by default).
    struct Guest {
        let key: Ed25519SigningKey
        let box: X25519KeyPair
        let entry: MemberEntry
        var id: MemberID { MemberID(key: key.publicKey) }
    }

    func guest(_ name: String?, role: Role = .listener, slot: UInt16, link: InviteLink? = nil) throws -> Guest {
        let key = Ed25519SigningKey.generate(), box = X25519KeyPair.generate()
        let admission = (link ?? room.listenLink).admission
        let credential = MemberCredential(roomID: room.keys.roomID, memberKey: key, boxKey: box.publicKey,
                                          link: (admission.linkKey, admission.grant))
        let profile = try name.map { try ProfileCard(name: $0).sealed(metadataKey: room.keys.metadataKey, roomID: room.keys.roomID, signer: key) }
        return Guest(key: key, box: box, entry: MemberEntry(memberKey: key.publicKey, boxKey: box.publicKey, role: role,
                                                            senderSlot: slot, profile: profile, credential: credential))
    }

    /// The roster entry the relay would pass on for a session's `join`.
    func entry(joining session: RoomSession, handshakeHash: [UInt8] = [UInt8](repeating: 1, count: 64), role: Role, slot: UInt16) -> MemberEntry {
        var copy = session
        let join = sent(copy.connected(handshakeHash: handshakeHash)).compactMap { if case .join(let j) = $0 { j } else { nil } }.first!
        return MemberEntry(memberKey: join.memberKey, boxKey: join.boxKey, role: role, senderSlot: slot, profile: join.profile,
                           credential: join.credential)
    }

    /// The host in its room, alone (epoch 0 made, sealed to nobody).
    func host() -> RoomSession {
        var host = RoomSession(identity: RoomIdentity(hosting: room, name: "Ana", title: "Tea", listed: false))
        _ = host.connected(handshakeHash: [UInt8](repeating: 7, count: 64))
        _ = host.receive(.joined(Joined(memberIndex: 0, senderSlot: 1, role: .host, epoch: 0, roster: [])), now: Self.now)
        return host
    }

    /// The host's roster entry as the relay passes it on.
    func hostEntry(of host: RoomSession) -> MemberEntry {
        MemberEntry(memberKey: room.hostKey.publicKey, boxKey: host.boxKey.publicKey, role: .host, senderSlot: 1,
                    profile: try? host.identity.card.sealed(metadataKey: room.keys.metadataKey, roomID: room.keys.roomID, signer: room.hostKey),
                    credential: MemberCredential(roomID: room.keys.roomID, memberKey: room.hostKey, boxKey: host.boxKey.publicKey, link: nil))
    }

    /// A member by `link` that has joined (slot `slot`), seeing the host.
    func member(_ name: String, link: InviteLink? = nil, slot: UInt16, host: RoomSession) throws -> RoomSession {
        var member = RoomSession(identity: try RoomIdentity(link: link ?? room.listenLink, name: name))
        _ = member.connected(handshakeHash: [UInt8](repeating: 2, count: 64))
        let role = (link ?? room.listenLink).role
        _ = member.receive(.joined(Joined(memberIndex: 1, senderSlot: slot, role: role, epoch: 0, roster: [hostEntry(of: host)])), now: Self.now)
        return member
    }

    /// The host learns of `member` (as the relay announces it) and hands out keys; the deliveries
    /// reach the member. Returns the host's effects.
    @discardableResult
    func admit(_ member: inout RoomSession, slot: UInt16, into host: inout RoomSession, now: UInt64 = now) -> [RoomSession.Effect] {
        let effects = host.receive(.memberJoined(MemberJoined(member: entry(of: member, slot: slot))), now: now)
        deliver(effects, to: &member, now: now)
        return effects
    }

    /// The roster entry the relay announces for `member`, a session that has joined (slot `slot`).
    func entry(of member: RoomSession, slot: UInt16) -> MemberEntry {
        MemberEntry(memberKey: member.identity.memberKey.publicKey, boxKey: member.boxKey.publicKey, role: member.me?.role ?? .listener,
                    senderSlot: slot, profile: try? member.identity.card.sealed(metadataKey: room.keys.metadataKey, roomID: room.keys.roomID,
                                                                                signer: member.identity.memberKey),
                    credential: MemberCredential(roomID: room.keys.roomID, memberKey: member.identity.memberKey,
                                                 boxKey: member.boxKey.publicKey,
                                                 link: member.identity.admission.map { ($0.linkKey, $0.grant) }))
    }

    /// Passes the key deliveries among `effects` that name `member` to it, as an honest relay strips them.
    func deliver(_ effects: [RoomSession.Effect], to member: inout RoomSession, now: UInt64 = now) {
        for case .keyDelivery(let delivery) in sent(effects) {
            let own = delivery.secrets.filter { $0.memberKey == member.identity.memberKey.publicKey }
            guard !own.isEmpty else { continue }
            _ = member.receive(.keyDelivery(KeyDelivery(epoch: delivery.epoch, secrets: own, statement: delivery.statement,
                                                        authority: delivery.authority, revoked: delivery.revoked)), now: now)
        }
    }
}

func events(_ effects: [RoomSession.Effect]) -> [RoomEvent] {
    effects.compactMap { if case .event(let e) = $0 { e } else { nil } }
}

func sent(_ effects: [RoomSession.Effect]) -> [ControlMessage] {
    effects.compactMap { if case .send(let m) = $0 { m } else { nil } }
}

func refusals(_ effects: [RoomSession.Effect]) -> [String] {
    events(effects).compactMap { if case let .refused(what, _) = $0 { what } else { nil } }
}
