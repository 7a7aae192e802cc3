import NIOCore
import ParlorCrypto
import ParlorProtocol
import Testing
@testable import ParlorServer

@Suite struct MediaPlaneTests {
    /// A client's half of a real Noise session with the relay: its media keys and its media state.
    struct Client {
        let session: SessionID
        let address: SocketAddress
        let receiverIndex = UInt32.random(in: 1...UInt32.max)
        var sender: MediaSender
        var receiver: MediaReceiver
        let relayIndex: UInt32

        init(_ n: UInt64, plane: inout MediaPlane) throws {
            let relayKey = X25519KeyPair.generate()
            var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
            var relay = try NoiseHandshake(responderWith: relayKey)
            _ = try relay.readMessage(try client.writeMessage())
            _ = try client.readMessage(try relay.writeMessage())
            let clientKeys = try client.split().mediaKeys
            session = SessionID(n)
            address = try SocketAddress(ipAddress: "127.0.0.1", port: Int(40_000 + n))
            let relayIndex = plane.register(session: session, keys: try relay.split().mediaKeys,
                                            clientReceiverIndex: receiverIndex, now: 0)
            self.relayIndex = relayIndex
            sender = MediaSender(key: clientKeys.sending, peerReceiverIndex: relayIndex)
            receiver = MediaReceiver(key: clientKeys.receiving, receiverIndex: receiverIndex)
        }
    }

    /// What the plane produced for one datagram: the UDP datagrams it sealed and the TCP fallbacks.
    final class Outbox {
        var datagrams: [(address: DatagramAddress, bytes: [UInt8])] = []
        var control: [MediaPlane.ControlMedia] = []
        lazy var batch = DatagramBatch { [unowned self] in datagrams += $0.datagrams }
        var count: Int { datagrams.count + control.count }
    }

    static func key(_ n: UInt8) -> OpaqueKey { OpaqueKey([UInt8](repeating: n, count: 32))! }
    let metrics = RelayMetrics()

    func receive(_ plane: inout MediaPlane, _ datagram: [UInt8], from address: SocketAddress, now: UInt64, rooms: RoomTable) -> Outbox {
        let out = Outbox()
        plane.receive(datagram: datagram, from: address, now: now, rooms: rooms, metrics: metrics, batch: out.batch, control: &out.control)
        out.batch.flush()
        return out
    }

    /// A room: host (session 1, on stage) and listeners (sessions 2 and 3), every client known by UDP.
    func setUp() throws -> (MediaPlane, RoomTable, [Client]) {
        var plane = MediaPlane(limits: RelayLimits())
        var rooms = RoomTable(limits: RelayLimits())
        let clients = try (1...3).map { try Client(UInt64($0), plane: &plane) }
        _ = try rooms.create(session: clients[0].session, room: Self.key(100), hostKey: Self.key(1), hostBoxKey: Self.key(11), directoryEntry: nil)
        for i in 1...2 {
            _ = try rooms.join(session: clients[i].session, room: Self.key(100), key: Self.key(UInt8(i + 1)),
                               boxKey: Self.key(UInt8(i + 11)), role: .listener, grantSignature: nil)
        }
        var clientsOut = clients
        for i in clientsOut.indices {
            let probe = try clientsOut[i].sender.seal([1, 2, 3], kind: .keepalive)
            let out = receive(&plane, probe, from: clientsOut[i].address, now: 1, rooms: rooms)
            #expect(out.datagrams.count == 1, "keepalive answered")
            #expect(try out.datagrams.first.map { try clientsOut[i].receiver.open($0.bytes).payload } == [1, 2, 3])
        }
        return (plane, rooms, clientsOut)
    }

    func frame(slot: UInt16 = 999) throws -> [UInt8] {
        try MediaPayload(senderSlot: slot, sframe: [UInt8](repeating: 0x5A, count: 90)).encoded()
    }

    @Test func aSpeakersFrameReachesEveryListenerUnderItsOwnKeyStampedWithTheRelaysSlot() throws {
        var (plane, rooms, clients) = try setUp()
        let out = receive(&plane, try clients[0].sender.seal(try frame()), from: clients[0].address, now: 2, rooms: rooms)
        #expect(out.datagrams.count == 2 && out.control.isEmpty)
        var received: [[UInt8]] = []
        for ((address, bytes), i) in zip(out.datagrams, [1, 2]) {
            #expect(address.matches(DatagramAddress(clients[i].address)!))
            received.append(bytes)
            let opened = try clients[i].receiver.open(bytes)
            let payload = try MediaPayload.decode(opened.payload)
            #expect(payload.senderSlot == rooms.room(of: clients[0].session)!.members[clients[0].session]!.senderSlot)
            #expect(payload.sframe == [UInt8](repeating: 0x5A, count: 90))
        }
        #expect(received[0] != received[1], "two listeners never receive identical bytes")
        #expect(received[0].count == received[1].count, "sizes do not tell listeners apart either")
        #expect(metrics.value(.datagramsForwarded) == 2)
    }

    @Test func aSecondMediaSetupChangesNothing() throws {
        var (plane, _, clients) = try setUp()
        let before = plane.endpointCount
        let again = plane.register(session: clients[0].session, keys: try MediaKeys.forTests(), clientReceiverIndex: 7, now: 9)
        #expect(again == clients[0].relayIndex, "the same index, so the same counter goes on")
        #expect(plane.endpointCount == before)
    }

    @Test func listenersMediaIsNotForwarded() throws {
        var (plane, rooms, clients) = try setUp()
        let out = receive(&plane, try clients[1].sender.seal(try frame()), from: clients[1].address, now: 2, rooms: rooms)
        #expect(out.count == 0)
        #expect(metrics.value(.notSpeaker) == 1)
    }

    @Test func replaysForgeriesStrangersAndJunkAreDroppedAndCounted() throws {
        var (plane, rooms, clients) = try setUp()
        let datagram = try clients[0].sender.seal(try frame())
        _ = receive(&plane, datagram, from: clients[0].address, now: 2, rooms: rooms)
        var forged = try clients[0].sender.seal(try frame())
        forged[forged.count - 1] ^= 1
        var stranger = datagram
        stranger[4] ^= 0xFF
        for junk in [datagram, forged, stranger, [1, 2, 3], [UInt8](repeating: 0, count: 2_000)] {
            #expect(receive(&plane, junk, from: clients[0].address, now: 3, rooms: rooms).count == 0)
        }
        #expect(metrics.value(.replayed) == 1)
        #expect(metrics.value(.unauthenticated) == 1)
        #expect(metrics.value(.unknownReceiver) == 1)
        #expect(metrics.value(.malformed) == 1)
        #expect(metrics.value(.oversize) == 1)
    }

    @Test func aListenerNeverHeardByUDPGetsMediaOverItsControlSession() throws {
        var (plane, rooms, clients) = try setUp()
        var late = try Client(4, plane: &plane)
        _ = try rooms.join(session: late.session, room: Self.key(100), key: Self.key(4), boxKey: Self.key(14), role: .listener, grantSignature: nil)
        var out = receive(&plane, try clients[0].sender.seal(try frame()), from: clients[0].address, now: 2, rooms: rooms)
        #expect(out.control == [MediaPlane.ControlMedia(session: late.session, payload: try frame(slot: 1))])
        // Once its UDP works (a keepalive got through), media switches to UDP.
        _ = receive(&plane, try late.sender.seal([0], kind: .keepalive), from: late.address, now: 3, rooms: rooms)
        out = receive(&plane, try clients[0].sender.seal(try frame()), from: clients[0].address, now: 4, rooms: rooms)
        #expect(out.control.isEmpty && out.datagrams.count == 3)
    }

    @Test func aFloodingSpeakerIsLimited() throws {
        var (plane, rooms, clients) = try setUp()
        for _ in 0..<(RelayLimits().mediaBurst + 50) {
            _ = receive(&plane, try clients[0].sender.seal(try frame()), from: clients[0].address, now: 2, rooms: rooms)
        }
        #expect(metrics.value(.rateLimited) == 50)
    }
}

extension MediaKeys {
    /// Keys from a throwaway Noise session.
    static func forTests() throws -> MediaKeys {
        let relayKey = X25519KeyPair.generate()
        var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        var relay = try NoiseHandshake(responderWith: relayKey)
        _ = try relay.readMessage(try client.writeMessage())
        _ = try client.readMessage(try relay.writeMessage())
        return try relay.split().mediaKeys
    }
}

extension MediaPlaneTests {
    @Test func aRoomLargerThanOneSendBatchHearsEveryFrameAndALeaverStopsAtOnce() throws {
        var (plane, rooms, clients) = try setUp()
        let count = DatagramBatch.capacity + 20
        for n in 0..<count {
            var listener = try Client(UInt64(10 + n), plane: &plane)
            _ = try rooms.join(session: listener.session, room: Self.key(100), key: OpaqueKey(Array(repeating: 7, count: 24) + withUnsafeBytes(of: UInt64(n)) { Array($0) })!,
                               boxKey: Self.key(14), role: .listener, grantSignature: nil)
            _ = receive(&plane, try listener.sender.seal([0], kind: .keepalive), from: listener.address, now: 1, rooms: rooms)
        }
        var out = receive(&plane, try clients[0].sender.seal(try frame()), from: clients[0].address, now: 2, rooms: rooms)
        #expect(out.datagrams.count == 2 + count, "sent in more than one batch, none lost")

        _ = rooms.leave(session: clients[1].session)
        plane.unregister(session: clients[1].session)
        out = receive(&plane, try clients[0].sender.seal(try frame()), from: clients[0].address, now: 3, rooms: rooms)
        #expect(out.datagrams.count == 1 + count)
        #expect(!out.datagrams.contains { $0.address.matches(DatagramAddress(clients[1].address)!) })
    }

    @Test func whenMostListenersLeaveTheEndpointsAreCompactedAndTheRestStillHearAndAreHeard() throws {
        var (plane, rooms, clients) = try setUp()
        var listeners: [Client] = []
        for n in 0..<300 {
            var listener = try Client(UInt64(10 + n), plane: &plane)
            _ = try rooms.join(session: listener.session, room: Self.key(100), key: OpaqueKey(Array(repeating: 8, count: 24) + withUnsafeBytes(of: UInt64(n)) { Array($0) })!,
                               boxKey: Self.key(14), role: .listener, grantSignature: nil)
            _ = receive(&plane, try listener.sender.seal([0], kind: .keepalive), from: listener.address, now: 1, rooms: rooms)
            listeners.append(listener)
        }
        #expect(plane.endpoints.count == 303)
        // Every listener but each tenth leaves.
        for n in listeners.indices where n % 10 != 0 {
            _ = rooms.leave(session: listeners[n].session)
            plane.unregister(session: listeners[n].session)
        }
        listeners = listeners.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        #expect(plane.endpointCount == 33)
        #expect(plane.endpoints.count < 100, "compacted: \(plane.endpoints.count) positions kept for 33 endpoints")

        // The speaker reaches exactly those who stayed, each under its own key.
        let out = receive(&plane, try clients[0].sender.seal(try frame()), from: clients[0].address, now: 2, rooms: rooms)
        #expect(out.datagrams.count == 32 && out.control.isEmpty)
        for i in listeners.indices {
            let mine = out.datagrams.filter { $0.address.matches(DatagramAddress(listeners[i].address)!) }
            #expect(mine.count == 1)
            #expect(try mine.first.map { try listeners[i].receiver.open($0.bytes).kind } == .media)
        }
        // Those who stayed are still known by their receiver index: a keepalive is answered.
        var last = listeners[listeners.count - 1]
        let probe: [UInt8] = [9, 8, 7, 6, 5, 4, 3, 2]
        let answer = receive(&plane, try last.sender.seal(probe, kind: .keepalive), from: last.address, now: 3, rooms: rooms)
        #expect(try answer.datagrams.first.map { try last.receiver.open($0.bytes).payload } == probe)
    }

    /// Listeners report their loss in keepalives; a member on stage is answered with its room's
    /// figure (the 90th percentile of the others' fresh reports), a listener with none.
    @Test func keepalivesCarryLossReportsAndSpeakersAreToldTheirListenersLoss() throws {
        var (plane, rooms, clients) = try setUp()
        func keepalive(_ i: Int, report: UInt8, at now: UInt64) throws -> [UInt8]? {
            let out = receive(&plane, try clients[i].sender.seal([report], kind: .keepalive), from: clients[i].address, now: now, rooms: rooms)
            return try out.datagrams.first.map { try clients[i].receiver.open($0.bytes).payload }
        }
        #expect(try keepalive(0, report: 0, at: 1_000_000_000) == [Keepalive.noLossFigure], "nobody reported yet")
        #expect(try keepalive(1, report: 12, at: 2_000_000_000) == [Keepalive.noLossFigure], "a listener is told nothing")
        #expect(try keepalive(2, report: 3, at: 2_000_000_000) == [Keepalive.noLossFigure])
        #expect(try keepalive(0, report: 0, at: 3_000_000_000) == [12], "the host hears the worse of two listeners")
        #expect(try keepalive(2, report: 200, at: 4_000_000_000) == [Keepalive.noLossFigure], "out of range: no figure")
        #expect(try keepalive(0, report: 0, at: 5_000_000_000) == [12])
        #expect(try keepalive(2, report: 90, at: 5_500_000_000) == [Keepalive.noLossFigure])
        #expect(try keepalive(0, report: 0, at: 5_600_000_000) == [12], "within a second the figure stands")
        #expect(try keepalive(0, report: 0, at: 6_100_000_000) == [90], "then it follows the new report")
        #expect(try keepalive(0, report: 0, at: 16_000_000_000) == [Keepalive.noLossFigure], "reports older than 10 s do not count")
        // An empty keepalive and a probe are answered as before.
        let probe: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let out = receive(&plane, try clients[0].sender.seal(probe, kind: .keepalive), from: clients[0].address, now: 17_000_000_000, rooms: rooms)
        #expect(try out.datagrams.first.map { try clients[0].receiver.open($0.bytes).payload } == probe)
    }
}
