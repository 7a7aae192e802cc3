import Foundation
import Glibc
import ParlorCrypto
import ParlorProtocol

/// A campaign of bad input against a relay, from sessions of a room of its own: malformed and
/// mispinned handshakes, replayed, stale and tampered datagrams, datagrams for nobody, oversize
/// datagrams and control frames, replayed control frames, forged grants, a `create_room` for
/// another host's room, a join with a forged link credential, a session flooding
/// control messages and media, and a member that stops reading. Each attack is tried, then the relay's metrics are read until the
/// drop counter for its reason has moved (`metricsText` reads them: the endpoint of a relay
/// process, or an in-process relay's `RelayMetrics`). Every attacking session is closed at the end.
public struct BadInputCampaign {
    /// One kind of bad input: how often it was tried and how much its reason's counter moved.
    public struct Attack: Sendable {
        public let name: String
        /// The `parlor_relay_dropped_total` reason it must be counted under.
        public let reason: String
        public let tried: Int
        /// The least the counter must move: floods are only dropped above the rate limit's burst.
        public let mustCount: Int
        public var counted = 0
        public var isCounted: Bool { counted >= mustCount }
    }

    /// Tries of each single-shot attack.
    static let triesEach = 3
    /// Datagrams the replay-window attack seals past the one it sends late (beyond the window).
    static let staleDistance = ReplayWindow.windowSize + 64
    /// Control messages and media datagrams the flooding session sends at once, and what the
    /// relay's default bursts (100 messages, 200 datagrams) must at least leave dropped.
    static let controlFlood = 400, controlFloodDropped = 200
    static let mediaFlood = 800, mediaFloodDropped = 400
    /// Media frames (of the largest size) a speaker sends, at its allowed rate, while a member
    /// that does not read sits in the room, and what the relay must at least drop for that member
    /// once its control connection's backlog is full.
    static let stallFrames = 300, stallFramesDropped = 50
    /// The length prefix of an oversize control frame (the relay accepts about 16 KiB).
    static let oversizeFrameBytes = Int(UInt16.max)
    static let oversizeDatagramBytes = 1_500
    /// How long the relay may take to count what it dropped.
    static let countTimeoutSeconds = 10.0
    static let countPollSeconds = 0.1

    let port: UInt16
    let relayKey: [UInt8]
    let metricsText: () throws -> String

    public init(port: UInt16, relayKey: [UInt8], metricsText: @escaping () throws -> String) {
        self.port = port
        self.relayKey = relayKey
        self.metricsText = metricsText
    }

    /// Runs every attack once, in order; returns what each tried and what the relay counted.
    public func run() throws -> [Attack] {
        let room = try BenchRoom()
        let host = try RelayChurnBenchmark.host(room: room, port: port, relayKey: relayKey)
        var attacks: [Attack] = []
        // Attacking sessions stay open until the end: closing one with the relay's answers unread
        // resets the connection, and the relay would lose what it had not read yet.
        var held: [RelaySocketSession] = []
        func attack(_ name: String, _ reason: String, tried: Int = Self.triesEach, mustCount: Int? = nil,
                    _ body: () throws -> Void) throws {
            let sample = PrometheusText.dropped(reason)
            let before = PrometheusText.value(sample, in: try metricsText()) ?? 0
            try body()
            var result = Attack(name: name, reason: reason, tried: tried, mustCount: mustCount ?? tried)
            let deadline = Date().addingTimeInterval(Self.countTimeoutSeconds)
            // Until the count is enough and has stopped moving (a flood is counted as it is read).
            var previous = -1
            repeat {
                result.counted = (PrometheusText.value(sample, in: try metricsText()) ?? 0) - before
                if result.isCounted && result.counted == previous { break }
                previous = result.counted
                Thread.sleep(forTimeInterval: Self.countPollSeconds)
            } while Date() < deadline
            attacks.append(result)
        }

        try attack("malformed handshake", "handshake_failed") {
            for size in [1, 48, 200].prefix(Self.triesEach) {
                try withConnection { fd in try Self.write(fd, try ControlFraming.frame((0..<size).map { _ in .random(in: 0...255) })) }
            }
        }
        try attack("handshake pinning another relay key", "handshake_failed") {
            for _ in 0..<Self.triesEach {
                var handshake = try NoiseHandshake(initiatorPinning: X25519KeyPair.generate().publicKey)
                let message1 = try handshake.writeMessage()
                try withConnection { fd in try Self.write(fd, try ControlFraming.frame(message1)) }
            }
        }
        // The host's own hop sender, copied: what it seals the relay takes as the host's.
        var sender = try host.mediaSender.orThrow()
        try attack("replayed datagram", "replayed") {
            let datagram = try sender.seal([0], kind: .keepalive)
            try host.sendDatagram(datagram)
            for _ in 0..<Self.triesEach { try host.sendDatagram(datagram) }
        }
        try attack("datagram behind the replay window", "replayed", tried: 1) {
            let stale = try sender.seal([0], kind: .keepalive)
            for _ in 0..<Self.staleDistance { _ = try sender.seal([0], kind: .keepalive) }
            try host.sendDatagram(try sender.seal([0], kind: .keepalive))
            try host.sendDatagram(stale)
        }
        try attack("datagram with a forged counter", "unauthenticated") {
            for i in 0..<Self.triesEach {
                var datagram = try sender.seal([0], kind: .keepalive)
                // A counter far ahead: fresh for the replay window, but not what was sealed.
                datagram.replaceSubrange(8..<16, with: withUnsafeBytes(of: (sender.nextCounter + 1_000_000 + UInt64(i)).littleEndian, Array.init))
                try host.sendDatagram(datagram)
            }
        }
        try attack("datagram for an unknown receiver", "unknown_receiver") {
            for _ in 0..<Self.triesEach {
                var datagram = try sender.seal([0], kind: .keepalive)
                datagram.replaceSubrange(4..<8, with: (0..<4).map { _ in UInt8.random(in: 0...255) })
                try host.sendDatagram(datagram)
            }
        }
        try attack("oversize datagram", "oversize") {
            for _ in 0..<Self.triesEach { try host.sendDatagram([UInt8](repeating: 1, count: Self.oversizeDatagramBytes)) }
        }
        try attack("oversize control frame", "oversize") {
            for _ in 0..<Self.triesEach {
                let session = try RelaySocketSession(port: port, relayKey: relayKey)
                let length = UInt16(Self.oversizeFrameBytes)
                try? Self.write(session.tcp, [UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0, count: Self.oversizeFrameBytes))
                held.append(session)
            }
        }
        try attack("replayed control frame", "unauthenticated") {
            for _ in 0..<Self.triesEach {
                let session = try RelaySocketSession(port: port, relayKey: relayKey)
                let frame = try ControlFraming.frame(try session.transport.encrypt(try ControlPadding.pad(ControlMessage.ping(Ping(nonce: 1)).encoded)))
                try Self.write(session.tcp, frame + frame)
                held.append(session)
            }
        }
        try attack("forged grant", "unauthenticated") {
            let member = try RelaySocketSession(port: port, relayKey: relayKey)
            held.append(member)
            _ = try member.join(room: room)
            for _ in 0..<Self.triesEach {
                let forged = try Grant(roomID: room.roomID, memberKey: member.memberKey, role: .speaker,
                                       expiry: UInt64(Date().timeIntervalSince1970) + 3600, signer: Ed25519SigningKey.generate())
                try member.send(.grantPresent(GrantPresent(grant: forged)))
                _ = try member.receive { if case .error(let e) = $0 { e } else { nil } }
            }
        }
        try attack("create_room for another host's room", "unauthenticated") {
            for _ in 0..<Self.triesEach {
                let impostorKey = Ed25519SigningKey.generate()
                let impostor = try RelaySocketSession(port: port, relayKey: relayKey, member: impostorKey)
                held.append(impostor)
                let charter = try RoomCharter(roomID: room.roomID, version: 1, linkKeys: [], host: impostorKey)
                try impostor.send(.createRoom(CreateRoom(roomID: room.roomID, hostKey: impostorKey.publicKey, charter: charter)))
                _ = try impostor.receive { if case .error(let e) = $0 { e } else { nil } }
            }
        }
        try attack("join with a forged link credential", "unauthenticated") {
            for _ in 0..<Self.triesEach {
                let member = try RelaySocketSession(port: port, relayKey: relayKey)
                held.append(member)
                // A link the host never granted: its grant is signed by someone else.
                let forged = try BenchRoom.link(roomID: room.roomID, host: .generate(), role: .speaker,
                                                expiry: UInt64(Date().timeIntervalSince1970) + 3600)
                try member.send(.join(member.joinMessage(roomID: room.roomID, link: forged)))
                _ = try member.receive { if case .error(let e) = $0 { e } else { nil } }
            }
        }
        try attack("control message flood", "rate_limited", tried: Self.controlFlood, mustCount: Self.controlFloodDropped) {
            let flooder = try RelaySocketSession(port: port, relayKey: relayKey)
            var frames: [UInt8] = []
            for n in 0..<Self.controlFlood {
                frames += try ControlFraming.frame(try flooder.transport.encrypt(try ControlPadding.pad(ControlMessage.ping(Ping(nonce: UInt64(n))).encoded)))
            }
            try? Self.write(flooder.tcp, frames)
            held.append(flooder)
        }
        try attack("media flood", "rate_limited", tried: Self.mediaFlood, mustCount: Self.mediaFloodDropped) {
            let frame = [UInt8](repeating: 0, count: RelayBenchmark.frameBytes)
            for _ in 0..<Self.mediaFlood {
                try host.sendDatagram(try sender.seal(try MediaPayload(senderSlot: 0, sframe: frame).encoded()))
            }
        }
        try attack("member that stops reading", "slow_receiver", tried: Self.stallFrames, mustCount: Self.stallFramesDropped) {
            let stalled = try RelaySocketSession(port: port, relayKey: relayKey)
            var small: Int32 = 4_096
            setsockopt(stalled.tcp, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            _ = try stalled.join(room: room)
            held.append(stalled)
            let frame = [UInt8](repeating: 7, count: 1_000)
            for n in 0..<Self.stallFrames {
                try host.sendDatagram(try sender.seal(try MediaPayload(senderSlot: 0, sframe: frame).encoded()))
                if n % 20 == 19 { Thread.sleep(forTimeInterval: 0.2) }
            }
        }
        held.removeAll()
        return attacks
    }

    /// Opens a TCP connection to the relay, runs `body` on it, and closes it once the relay has
    /// answered or closed (or after a moment).
    private func withConnection(_ body: (Int32) throws -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = Loopback.address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        try body(fd)
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 256)
        _ = read(fd, &buffer, buffer.count)
    }

    /// Writes all of `bytes`; a relay that closed the connection is an error, not a SIGPIPE.
    private static func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw POSIXError(.EPIPE) }
            offset += n
        }
    }
}

extension Optional {
    /// The value, or a benchmark failure when there is none.
    func orThrow() throws -> Wrapped {
        guard let self else { throw RelayBenchmark.Failure(description: "media was not set up") }
        return self
    }
}
