import NIOCore
import NIOPosix

/// Serves `RelayMetrics` as Prometheus text on `GET /metrics`, on a loopback address only:
/// counts are harmless, but nothing about the relay needs to be reachable from outside.
public final class MetricsServer: Sendable {
    public struct NotLoopback: Error, CustomStringConvertible {
        public let host: String
        public var description: String { "metrics address \(host) is not a loopback address (use 127.0.0.1 or ::1)" }
    }

    private let channel: any Channel

    /// The address actually bound (useful with port 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    public static func start(host: String, port: Int, metrics: RelayMetrics, group: any EventLoopGroup) async throws -> MetricsServer {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        guard MetricsServer.isLoopback(address) else { throw NotLoopback(host: host) }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(MetricsRequestHandler(metrics: metrics))
                }
            }
            .bind(to: address).get()
        return MetricsServer(channel: channel)
    }

    private init(channel: any Channel) { self.channel = channel }

    public func stop() async {
        try? await channel.close()
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4): return v4.address.sin_addr.s_addr & 0xFF == 127  // network byte order: first octet
        case .v6: return address.ipAddress == "::1"
        default: return false
        }
    }
}

/// Reads one HTTP request head and answers it: the metrics for `GET /metrics`, 404 otherwise.
final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let metrics: RelayMetrics
    private var request = ""
    private static let maxRequestBytes = 4_096

    init(metrics: RelayMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        request += buffer.readString(length: buffer.readableBytes) ?? ""
        if request.count > Self.maxRequestBytes {
            respond(context, status: "413 Content Too Large", body: "request too large\n")
        } else if request.contains("\r\n\r\n") || request.contains("\n\n") {
            let line = request.prefix { $0 != "\r" && $0 != "\n" }
            if line.hasPrefix("GET /metrics ") || line == "GET /metrics" {
                respond(context, status: "200 OK", body: metrics.prometheusText,
                        type: "text/plain; version=0.0.4; charset=utf-8")
            } else {
                respond(context, status: "404 Not Found", body: "only GET /metrics is served\n")
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, status: String, body: String, type: String = "text/plain") {
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let out = context.channel.allocator.buffer(string: head + body)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
