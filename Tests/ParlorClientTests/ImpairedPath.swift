import Foundation
import Glibc
import ParlorBench
import ParlorCrypto
import ParlorProtocol
import ParlorServer

/// A relay's port as seen through a bad network: a proxy on a loopback port of its own that
/// passes TCP through untouched and UDP both ways, dropping and delaying (by a random amount up
/// to `jitterMilliseconds`, so packets also reorder) the datagrams going from the relay to the
/// client (with `lossOnUplink`, the loss hits the client's datagrams to the relay instead).
/// Loss comes from a seeded generator drawn for media datagrams only, so two runs whose media
/// takes the path from the same frame on lose the same frames (a client's media goes by TCP,
/// past the path, until the relay has heard its first keepalive: `keepalives`). Real sockets,
/// real datagrams; it stands where a lossy link would.
final class ImpairedPath: @unchecked Sendable {
    let port: UInt16
    private let relayPort: UInt16
    private let lossPercent: Double
    private let jitterMilliseconds: Double
    /// Drops every datagram in both directions (a network that blocks UDP).
    private let blocksUDP: Bool
    /// Drops every datagram from the relay (a network that lets UDP out but none back in).
    private let blocksInboundUDP: Bool
    /// The loss (and no jitter) applies to the client's datagrams towards the relay instead.
    private let lossOnUplink: Bool
    private let udp: Int32
    private let listener: Int32
    private let lock = NSLock()
    private var upstreams: [UInt16: Int32] = [:]       // client port → socket towards the relay
    private var pending: [(due: Double, bytes: [UInt8], to: sockaddr_in)] = []
    private var random: UInt64
    private var running = true
    /// Until this moment (monotonic seconds) nothing passes either way: TCP waits, UDP is lost.
    private var partitionedUntil = 0.0
    private(set) var dropped = 0
    /// Datagrams above this size carry media (the smallest media datagram is 16 + 128 + 16 bytes).
    static let smallestMedia = 100
    private(set) var passed = 0
    /// A keepalive carrying a loss report, as the client sends it (a probe carries 8 bytes).
    static let keepaliveLength = MediaHeader.length + Keepalive.lossReportLength + ChaCha20Poly1305.tagLength
    /// Keepalives (not probes) the client sent towards the relay. A probe is answered but leaves
    /// the client's media on TCP, past this path's loss and jitter; media comes by UDP once the
    /// relay has heard a keepalive.
    private(set) var keepalives = 0

    init(relayPort: UInt16, lossPercent: Double = 0, jitterMilliseconds: Double = 0, blocksUDP: Bool = false,
         blocksInboundUDP: Bool = false, lossOnUplink: Bool = false, seed: UInt64 = 42) throws {
        self.relayPort = relayPort
        self.lossOnUplink = lossOnUplink
        self.blocksUDP = blocksUDP
        self.blocksInboundUDP = blocksInboundUDP
        self.lossPercent = lossPercent
        self.jitterMilliseconds = jitterMilliseconds
        random = seed
        (listener, udp, port) = try Self.bindPair()
        Self.thread { [self] in acceptLoop() }
        Self.thread { [self] in clientDatagrams() }
        Self.thread { [self] in deliverLoop() }
    }

    struct NoFreePort: Error {}

    /// A TCP listener and a UDP socket on one loopback port (the kernel picks the TCP port; when
    /// its number is taken for UDP, it picks again).
    private static func bindPair() throws -> (listener: Int32, udp: Int32, port: UInt16) {
        for _ in 0..<16 {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var any = Loopback.address(port: 0)
            _ = withUnsafePointer(to: &any) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            listen(listener, 64)
            var bound = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
            let port = UInt16(bigEndian: bound.sin_port)
            let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var same = Loopback.address(port: port)
            let ok = withUnsafePointer(to: &same) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(udp, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            if ok == 0 { return (listener, udp, port) }
            close(listener)
            close(udp)
        }
        throw NoFreePort()
    }

    func stop() {
        lock.withLock { running = false }
        shutdown(listener, Int32(SHUT_RDWR))
        shutdown(udp, Int32(SHUT_RDWR))
        close(listener)
        close(udp)
        lock.withLock { for fd in upstreams.values { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    private var isRunning: Bool { lock.withLock { running } }

    /// Cuts the path for `seconds`: datagrams are lost, TCP bytes wait (as TCP's retransmissions
    /// would deliver them once the path is back).
    func partition(seconds: Double) {
        lock.withLock { partitionedUntil = Self.now() + seconds }
    }

    private var isPartitioned: Bool { lock.withLock { Self.now() < partitionedUntil } }

    // MARK: TCP: untouched

    private func acceptLoop() {
        while isRunning {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let relay = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Loopback.address(port: relayPort)
            let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(relay, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard ok == 0 else { close(client); close(relay); continue }
            Self.thread { [self] in pump(from: client, to: relay) }
            Self.thread { [self] in pump(from: relay, to: client) }
        }
    }

    private func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(from, &buffer, buffer.count)
            guard n > 0 else { break }
            while isPartitioned { usleep(5_000) }
            guard write(to, buffer, n) == n else { break }
        }
        shutdown(to, Int32(SHUT_RDWR))
        shutdown(from, Int32(SHUT_RDWR))
    }

    // MARK: UDP: impaired towards the client (or, with `lossOnUplink`, towards the relay)

    private func clientDatagrams() {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while isRunning {
            var from = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(udp, &buffer, buffer.count, 0, $0, &length) } }
            guard n > 0 else { if n == 0 || errno != EINTR { return } else { continue } }
            if n == Self.keepaliveLength { lock.withLock { keepalives += 1 } }
            let lost = lock.withLock { lossOnUplink && n > Self.smallestMedia && nextUniform() * 100 < lossPercent }
            if blocksUDP || isPartitioned || lost {
                lock.withLock { dropped += 1 }
                continue
            }
            if lossOnUplink && n > Self.smallestMedia { lock.withLock { passed += 1 } }
            let upstream = upstreamSocket(for: from)
            var relay = Loopback.address(port: relayPort)
            _ = withUnsafePointer(to: &relay) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(upstream, buffer, n, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
    }

    private func upstreamSocket(for client: sockaddr_in) -> Int32 {
        lock.withLock {
            if let fd = upstreams[client.sin_port] { return fd }
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            upstreams[client.sin_port] = fd
            Self.thread { [self] in relayDatagrams(fd, client: client) }
            return fd
        }
    }

    private func relayDatagrams(_ fd: Int32, client: sockaddr_in) {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while isRunning {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            lock.withLock {
                // The generator draws only for media-sized datagrams (keepalive answers are a few
                // dozen bytes), so two runs with one seed lose and delay the same media frames.
                let isMedia = n > Self.smallestMedia
                if blocksInboundUDP || Self.now() < partitionedUntil || (!lossOnUplink && isMedia && nextUniform() * 100 < lossPercent) {
                    dropped += 1
                } else {
                    passed += 1
                    let delay = isMedia && !lossOnUplink ? nextUniform() * jitterMilliseconds / 1000 : 0
                    pending.append((Self.now() + delay, Array(buffer.prefix(n)), client))
                }
            }
        }
    }

    private func deliverLoop() {
        while isRunning {
            let due: [(due: Double, bytes: [UInt8], to: sockaddr_in)] = lock.withLock {
                let now = Self.now()
                let ready = pending.filter { $0.due <= now }.sorted { $0.due < $1.due }
                pending.removeAll { $0.due <= now }
                return ready
            }
            for item in due {
                var to = item.to
                _ = withUnsafePointer(to: &to) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(udp, item.bytes, item.bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            }
            usleep(1_000)
        }
    }

    /// xorshift64*: uniform in [0, 1).
    private func nextUniform() -> Double {
        random ^= random >> 12
        random ^= random << 25
        random ^= random >> 27
        return Double((random &* 2685821657736338717) >> 11) / Double(1 << 53)
    }

    private static func now() -> Double { Double(Monotonic.nanoseconds) / 1e9 }

    private static func thread(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.start()
    }
}

extension InviteLink {
    /// The same link, reaching its relay through `path`.
    func through(_ path: ImpairedPath) -> InviteLink {
        var link = self
        link.relay.port = path.port
        return link
    }
}
