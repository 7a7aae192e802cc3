import Foundation
import Testing
import ParlorCrypto
@testable import ParlorProtocol

/// The fuzz seeds of the messages that carry the room authority's records (Fuzz/Seeds/ControlMessage):
/// each decodes to what the samples here encode. `PARLOR_WRITE_SEEDS=DIR swift test --filter FuzzSeedTests`
/// writes them again (the keys are fresh, so the bytes differ each time).
@Suite struct FuzzSeedTests {
    static var seeds: [String: ControlMessage] {
        let host = Ed25519SigningKey.generate()
        let roomID = try! RoomKeys.roomID(hostKey: host.publicKey)
        let link = Ed25519SigningKey.generate()
        let linkGrant = try! Grant(roomID: roomID, memberKey: link.publicKey, role: .speaker, expiry: 1_900_000_000, signer: host)
        let member = Ed25519SigningKey.generate()
        let box = X25519KeyPair.generate().publicKey, hostBox = X25519KeyPair.generate().publicKey
        let charter = try! RoomCharter(roomID: roomID, version: 2, linkKeys: [link.publicKey, Ed25519SigningKey.generate().publicKey], host: host)
        let credential = MemberCredential(roomID: roomID, memberKey: member, boxKey: box, link: (link, linkGrant))
        let hostCredential = MemberCredential(roomID: roomID, memberKey: host, boxKey: hostBox, link: nil)
        let secret = RoomKeys.newEpochSecret()
        let statement = try! EpochStatement(roomID: roomID, epoch: 3, secret: secret,
                                            recipients: [(host.publicKey, hostBox), (member.publicKey, box)], signer: host)
        let hash = [UInt8](repeating: 0x5a, count: 64)
        return [
            "create_room": .createRoom(CreateRoom(roomID: roomID, hostKey: host.publicKey, listed: true, directoryTitle: [1, 2, 3], charter: charter)),
            "join": .join(Join(roomID: roomID, signingKey: member, boxKey: box, handshakeHash: hash, profile: [7, 7], link: InviteLink.Admission(linkKey: link, grant: linkGrant))),
            "join_host": .join(Join(roomID: roomID, signingKey: host, boxKey: hostBox, handshakeHash: hash, link: nil)),
            "joined": .joined(Joined(memberIndex: 1, senderSlot: 2, role: .speaker, epoch: 3, roster: [
                MemberEntry(memberKey: host.publicKey, boxKey: hostBox, role: .host, senderSlot: 1, credential: hostCredential),
                MemberEntry(memberKey: member.publicKey, boxKey: box, role: .speaker, senderSlot: 2, profile: [9], credential: credential),
            ], charter: charter)),
            "key_delivery": .keyDelivery(KeyDelivery(epoch: 3, secrets: [SealedEpochSecret(memberKey: member.publicKey,
                sealedSecret: [UInt8](repeating: 0x11, count: SealedEpochSecret.sealedLength))], statement: statement,
                authority: try! Grant(roomID: roomID, memberKey: host.publicKey, role: .moderator, expiry: 1_900_000_000, signer: host),
                revoked: [linkGrant.signature])),
            "charter_update": .charterUpdate(CharterUpdate(charter: charter)),
        ]
    }

    @Test func seedsDecodeAndCanBeWrittenAgain() throws {
        let directory = ProcessInfo.processInfo.environment["PARLOR_WRITE_SEEDS"]
        for (name, message) in Self.seeds {
            let bytes = message.encoded
            #expect(try ControlMessage.decode(bytes) == message, "\(name)")
            if let directory {
                try Data(bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
            }
        }
    }
}
