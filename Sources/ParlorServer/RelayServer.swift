import Foundation
import NIOCore
import NIOPosix
import ParlorCrypto
import ParlorProtocol

/// A running relay: TCP control sessions and UDP media on the same port, one event loop for all
/// of its state (see docs/ARCHITECTURE.md). Start it, read `address`, stop it with `stop()`.
public final class RelayServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port (tests); TCP and UDP then share it.
        public var port: Int
        public var key: X25519KeyPair
        public var limits: RelayLimits
        public var log: RelayLog
        /// A test seam: a relay that deviates (see `RelayDeviation`). Production relays never set it.
        public var deviation: RelayDeviation?
        /// The cluster this relay is a node of (docs/CLUSTER.md); nil for a relay on its own.
        public var cluster: RelayCluster?

        public init(host: String, port: Int, key: X25519KeyPair, limits: RelayLimits = RelayLimits(), log: RelayLog = .silent,
                    deviation: RelayDeviation? = nil, cluster: RelayCluster? = nil) {
            self.host = host
            self.port = port
            self.key = key
            self.limits = limits
            self.log = log
            self.deviation = deviation
            self.cluster = cluster
        }
    }

    public let metrics: RelayMetrics
    /// Where clients connect (TCP and UDP).
    public let address: SocketAddress
    public let publicKey: [UInt8]
    private let group: MultiThreadedEventLoopGroup
    private let tcp: any Channel
    private let udp: any Channel
    private let core: NIOLoopBound<RelayCore>
    private let drainSeconds: Int

    /// Times a relay on port 0 looks for a port free for both TCP and UDP.
    static let portAttempts = 8
    /// Bytes a control connection may hold unsent before it stops counting as writable (and
    /// writable again below the low mark): past it, media for that member is dropped
    /// (`slow_receiver`) rather than queued, so a member that does not read costs the relay at most
    /// this much.
    static let controlWriteBacklog = ChannelOptions.Types.WriteBufferWaterMark(low: 32 * 1024, high: 64 * 1024)
    /// The kernel's send buffer per control connection (Linux doubles it). Fixed rather than
    /// autotuned up to 4 MiB: media by TCP is about 15 KB/s, and thousands of members that stop
    /// reading must not pin gigabytes of kernel memory.
    static let controlSendBufferBytes: ChannelOptions.Types.SocketOption.Value = 64 * 1024

    public static func start(_ configuration: Configuration, metrics: RelayMetrics = RelayMetrics()) async throws -> RelayServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            // The core is made on its loop and only ever touched there.
            let core = try await loop.submit {
                let core = RelayCore(limits: configuration.limits, metrics: metrics, log: configuration.log, udpPort: 0, loop: loop,
                                     unixTime: { UInt64(Date().timeIntervalSince1970) })
                core.deviation = configuration.deviation
                if let cluster = configuration.cluster { try core.join(cluster) }
                return NIOLoopBound(core, eventLoop: loop)
            }.get()
            let gate = try await loop.submit {
                NIOLoopBound(HandshakeGate(relayKey: configuration.key.publicKey, limits: configuration.limits, metrics: metrics,
                                           now: Monotonic.nanoseconds), eventLoop: loop)
            }.get()
            let bootstrap = ServerBootstrap(group: loop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 1024)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: Self.controlWriteBacklog)
                .childChannelOption(.socketOption(.so_sndbuf), value: Self.controlSendBufferBytes)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        let limits = configuration.limits
                        try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(limits.idleTimeoutSeconds))))
                        try pipeline.addHandler(ByteToMessageHandler(LengthPrefixFrameDecoder(maxMessageBytes: limits.maxControlMessageBytes)))
                        try pipeline.addHandler(MessageToByteHandler(LengthPrefixFrameEncoder()))
                        try pipeline.addHandler(try NoiseResponderHandler(staticKey: configuration.key, metrics: metrics, gate: gate))
                        try pipeline.addHandler(ControlCodecHandler(metrics: metrics))
                        try pipeline.addHandler(ControlSessionHandler(core: core))
                    }
                }
            // TCP and UDP share one port. With port 0 the kernel picks a TCP port whose number a
            // UDP socket elsewhere may hold: then pick again.
            var attempt = 0
            var bound: (tcp: any Channel, udpSocket: Int32)?
            while bound == nil {
                attempt += 1
                let tcp = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
                do {
                    bound = (tcp, try MediaSocketOptions.bind(to: tcp.localAddress!))
                } catch {
                    try? await tcp.close()
                    guard configuration.port == 0, attempt < Self.portAttempts else { throw error }
                }
            }
            let (tcp, udpSocket) = bound!
            let port = tcp.localAddress!.port!
            let udp = try await MediaSocketOptions.apply(to: DatagramBootstrap(group: loop))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(MediaChannelHandler(core: core)) }
                }
                .withBoundSocket(udpSocket).get()
            try await loop.submit {
                core.value.attachUDP(udpSocket)
                core.value.udpPort = UInt16(port)
            }.get()
            return RelayServer(metrics: metrics, address: tcp.localAddress!, publicKey: configuration.key.publicKey, group: group,
                               tcp: tcp, udp: udp, core: core, drainSeconds: configuration.limits.drainSeconds)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(metrics: RelayMetrics, address: SocketAddress, publicKey: [UInt8], group: MultiThreadedEventLoopGroup,
                 tcp: any Channel, udp: any Channel, core: NIOLoopBound<RelayCore>, drainSeconds: Int) {
        self.metrics = metrics
        self.address = address
        self.publicKey = publicKey
        self.group = group
        self.tcp = tcp
        self.udp = udp
        self.core = core
        self.drainSeconds = drainSeconds
    }

    /// A test seam, for a relay with a `deviation` only: sends `messages` as they are to the
    /// session of the room member whose member key is `memberKey`. False when there is no such
    /// member, or the relay does not deviate.
    public func inject(_ messages: [ControlMessage], toMember memberKey: [UInt8]) async -> Bool {
        (try? await udp.eventLoop.submit { self.core.value.inject(messages, toMember: memberKey) }.get()) ?? false
    }

    /// A test seam: makes the rules of every room this relay leads wait, as a late lease renewal
    /// does in a cluster (`true`), or follow the lease again (`false`).
    func forceRulesWait(_ wait: Bool) async {
        try? await udp.eventLoop.submit { self.core.value.rulesWaitOverride = wait ? { _ in true } : nil }.get()
    }

    /// Stops accepting, tells every client the relay is closing (they reconnect after a pause),
    /// waits up to the drain time for them to go, then closes everything.
    public func stop() async {
        try? await tcp.close()
        let loop = udp.eventLoop
        try? await loop.submit { self.core.value.announceClosing(retryAfter: 1) }.get()
        let deadline = ContinuousClock.now + .seconds(drainSeconds)
        while ContinuousClock.now < deadline, (try? await loop.submit({ self.core.value.sessionCount }).get()) ?? 0 > 0 {
            try? await Task.sleep(for: .milliseconds(50))
        }
        // The core sends on the UDP socket directly: it lets go before NIO closes it.
        try? await loop.submit { self.core.value.detachUDP() }.get()
        try? await udp.close()
        try? await group.shutdownGracefully()
    }
}
