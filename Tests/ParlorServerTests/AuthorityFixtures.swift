import Foundation
import ParlorBench
import ParlorCrypto
import ParlorProtocol
@testable import ParlorServer

/// What the room-table tests need of the room authority: the table trusts the relay's checks, so
/// a charter naming one link key and a placeholder credential stand in for signed ones.
enum TableFixtures {
    /// The link key `charter` admits.
    static let linkKey = [UInt8](repeating: 0x4c, count: 32)
    static let charter = try! RoomCharter(roomID: [UInt8](repeating: 100, count: 32), version: 1, linkKeys: [linkKey],
                                          host: .generate())
    /// A well-formed credential; the table passes it on and never checks it.
    static let credential: MemberCredential = {
        let host = Ed25519SigningKey.generate(), link = Ed25519SigningKey.generate()
        let grant = try! Grant(roomID: charterRoom, memberKey: link.publicKey, role: .listener, expiry: 1, signer: host)
        return MemberCredential(roomID: charterRoom, memberKey: .generate(), boxKey: charterRoom, link: (link, grant))
    }()
    static let charterRoom = [UInt8](repeating: 100, count: 32)

    /// A placeholder role proof whose one grant carries `signature` (zero-padded to 64 bytes):
    /// the table keeps proofs and revokes by signature, and never checks either.
    static func proof(signature: [UInt8]) -> RoleProof {
        RoleProof([try! Grant(roomID: charterRoom, memberKey: charterRoom, role: .speaker, expiry: 1, signerKey: charterRoom,
                              signature: signature + [UInt8](repeating: 0, count: 64 - signature.count))])
    }
}

extension RoomTable {
    /// `create` with the fixture charter and credential.
    mutating func create(session: SessionID, room id: OpaqueKey, hostKey: OpaqueKey, hostBoxKey: OpaqueKey,
                         directoryEntry: [UInt8]?) throws(RoomRefusal) -> [Delivery] {
        try create(session: session, room: id, hostKey: hostKey, hostBoxKey: hostBoxKey, directoryEntry: directoryEntry,
                   charter: TableFixtures.charter, credential: TableFixtures.credential)
    }

    /// A join by the fixture link (a listen link), with a personal grant for `role` above listener.
    mutating func join(session: SessionID, room id: OpaqueKey, key: OpaqueKey, boxKey: OpaqueKey,
                       role: Role, grantSignature: [UInt8]?) throws(RoomRefusal) -> [Delivery] {
        try join(session: session, room: id, key: key, boxKey: boxKey, linkKey: TableFixtures.linkKey, linkRole: .listener,
                 grantRole: role > .listener ? role : nil, roleProof: grantSignature.map(TableFixtures.proof), credential: TableFixtures.credential)
    }

    /// `changeRole` with a placeholder proof whose grant carries `grantSignature`.
    mutating func changeRole(session: SessionID, to role: Role, grantSignature: [UInt8]) throws(RoomRefusal) -> [Delivery] {
        try changeRole(session: session, to: role, proof: TableFixtures.proof(signature: grantSignature))
    }
}

extension RelaySocketSession {
    /// The first `error` the relay sends (other messages are skipped).
    func receiveError(within seconds: Double = 5) throws -> ErrorMessage {
        try receive(within: seconds) { if case .error(let error) = $0 { error } else { nil } }
    }

    /// Sends `join` and returns the refusal's code; fails if the relay lets it in.
    func refusedJoin(_ join: Join) throws -> ErrorMessage.Code? {
        do {
            _ = try self.join(join)
            return nil
        } catch let refusal as RelaySocketSession.Refusal {
            return refusal.code
        }
    }
}

extension RelayServer {
    /// A relay on a free loopback port for tests: it does not wait for test clients to leave when
    /// stopped, and does not close sessions left quiet while a loaded machine sets up hundreds of others.
    static func startForTests(key: X25519KeyPair) async throws -> RelayServer {
        var limits = RelayLimits()
        limits.drainSeconds = 0
        limits.idleTimeoutSeconds = 600
        return try await RelayServer.start(.init(host: "127.0.0.1", port: 0, key: key, limits: limits))
    }
}
