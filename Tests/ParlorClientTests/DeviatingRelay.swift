import Foundation
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorServer

/// A real relay (`RelayServer`, on loopback) that lies on cue, through its `RelayDeviation` seam:
/// it remembers what it sent — roster entries, key deliveries, media carried over TCP — as a
/// relay would, and applies one-shot rewrites the tests arm before an attack. Its own messages go
/// out with `inject`.
final class DeviatingRelay: @unchecked Sendable {
    /// A rewrite of one outbound message: nil when it does not apply (and stays armed), else
    /// what the relay sends instead (then it is spent).
    typealias Rewrite = @Sendable (ControlMessage, RelayDeviation.Recipient) -> [ControlMessage]?

    private(set) var relay: TestRelay!
    private let lock = NSRecursiveLock()  // rewrites may read what was recorded
    private var rewrites: [Rewrite] = []
    private var entries: [[UInt8]: MemberEntry] = [:]
    private var deliveries: [(to: [UInt8], delivery: KeyDelivery)] = []
    private var carried: [(to: [UInt8]?, payload: [UInt8])] = []

    static func start() async throws -> DeviatingRelay {
        let deviating = DeviatingRelay()
        let key = X25519KeyPair.generate()
        let configuration = RelayServer.Configuration(host: "127.0.0.1", port: 0, key: key, deviation: RelayDeviation { message, recipient in
            deviating.outbound(message, to: recipient)
        })
        deviating.relay = TestRelay(server: try await RelayServer.start(configuration), key: key)
        return deviating
    }

    func stop() async { await relay.server.stop() }

    /// Arms a one-shot rewrite (tried before those armed later).
    func arm(_ rewrite: @escaping Rewrite) { lock.withLock { rewrites.append(rewrite) } }

    /// Makes the next session that sets up media never hear the relay's answer: its media then
    /// comes over TCP (`media_over_tcp`), where the relay records it.
    func keepNextSessionOnTCP() {
        arm { message, _ in if case .mediaSetup = message { [] } else { nil } }
    }

    /// Sends `messages` as they are to the member with `memberKey`; false if it is not in a room.
    func inject(_ messages: [ControlMessage], to memberKey: [UInt8]) async -> Bool {
        await relay.server.inject(messages, toMember: memberKey)
    }

    /// A member's roster entry as the relay last sent it to anyone.
    func entry(of memberKey: [UInt8]) -> MemberEntry? { lock.withLock { entries[memberKey] } }

    /// The key deliveries the relay passed to `memberKey`, oldest first.
    func deliveries(to memberKey: [UInt8]) -> [KeyDelivery] {
        lock.withLock { deliveries.filter { $0.to == memberKey }.map(\.delivery) }
    }

    /// Every key delivery the relay passed on, oldest first.
    var allDeliveries: [KeyDelivery] { lock.withLock { deliveries.map(\.delivery) } }

    /// The media payloads the relay carried over TCP to `memberKey` (slot stamped), oldest first.
    func carriedMedia(to memberKey: [UInt8]) -> [[UInt8]] {
        lock.withLock { carried.filter { $0.to == memberKey }.map(\.payload) }
    }

    private func outbound(_ message: ControlMessage, to recipient: RelayDeviation.Recipient) -> [ControlMessage] {
        lock.withLock {
            switch message {
            case .joined(let joined): for entry in joined.roster { entries[entry.memberKey] = entry }
            case .memberJoined(let joined): entries[joined.member.memberKey] = joined.member
            case .keyDelivery(let delivery): if let key = recipient.memberKey { deliveries.append((key, delivery)) }
            case .mediaOverTCP(let media):
                carried.append((recipient.memberKey, media.payload))
                if carried.count > 2_000 { carried.removeFirst(1_000) }
            default: break
            }
            for (index, rewrite) in rewrites.enumerated() {
                if let instead = rewrite(message, recipient) {
                    rewrites.remove(at: index)
                    return instead
                }
            }
            return [message]
        }
    }
}

extension TestMember {
    /// The `refused` events this member emitted for `what` ("epoch_key", "member", "joined", …).
    func refusals(_ what: String) -> Int {
        events.all.filter { if case .refused(what, _) = $0 { true } else { false } }.count
    }

    /// The `audio_forged` events naming `member`.
    func forgeries(of member: MemberID) -> Int {
        events.all.filter { if case .audioForged(let info) = $0 { info.id == member } else { false } }.count
    }

    var media: MediaStatistics { client.statistics.media }
    var memberKey: [UInt8] { client.state.identity.memberKey.publicKey }

    /// Waits up to `seconds` for `condition` on this member (true if it came to hold).
    @discardableResult
    func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        events.wait(seconds) { _ in condition() }
    }
}
