import Dispatch
import Foundation
import NIOCore
import NIOPosix
import ParlorProtocol
import ParlorServer

/// `parlor serve`: runs a relay until SIGTERM or SIGINT, then drains (clients are told and
/// reconnect elsewhere or later). Prints `relay key: KEY` and `relay ready: HOST:PORT` on start.
/// At log level info (the default) it logs no client address, key or room id, only counts; at
/// debug it logs more, and says so first.
public enum RelayService {
    public struct Options: Sendable {
        public var listen: String
        public var keyFile: String?
        public var metrics: String?
        public var config: String?
        /// `info` or `debug` (`RelayLog.Level`).
        public var logLevel: String
        /// NATS servers of the cluster to join, `nats://HOST:PORT[,…]` (docs/CLUSTER.md), or nil.
        public var cluster: String?
        /// This node's name in the cluster.
        public var node: String?

        public init(listen: String, keyFile: String?, metrics: String?, config: String?, logLevel: String = "info",
                    cluster: String? = nil, node: String? = nil) {
            self.listen = listen
            self.keyFile = keyFile
            self.metrics = metrics
            self.config = config
            self.logLevel = logLevel
            self.cluster = cluster
            self.node = node
        }
    }

    /// A problem with an option, said in words a person can act on.
    public struct OptionError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Where the key lives without `--key-file`: `$XDG_DATA_HOME/parlor/relay.key`.
    public static var defaultKeyFile: String {
        let env = ProcessInfo.processInfo.environment
        let data = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((env["HOME"] ?? ".") + "/.local/share")
        return data + "/parlor/relay.key"
    }

    /// Writes a line to stdout at once (scripts wait for "relay ready"; a pipe would buffer print).
    public static func printLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    public static func run(_ options: Options, output: @escaping @Sendable (String) -> Void = printLine) async throws {
        let listen = try address(options.listen, flag: "--listen")
        let metricsAddress = try options.metrics.map { try address($0, flag: "--metrics") }
        guard let level = RelayLog.Level(rawValue: options.logLevel) else {
            throw OptionError(description: "--log-level \(options.logLevel): expected one of \(RelayLog.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var limits = RelayLimits()
        if let path = options.config {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw OptionError(description: "--config \(path): cannot read the file")
            }
            limits = try RelayConfigurationFile.parse(text)
        }
        let (key, created) = try RelayKeyFile.loadOrCreate(at: options.keyFile ?? defaultKeyFile)
        if created { output("created relay key file \(options.keyFile ?? defaultKeyFile) (mode 0600)") }

        if level == .debug { output(RelayLog.debugWarning) }
        let log = RelayLog(level: level, write: output)
        let metrics = RelayMetrics()
        let cluster = try joinCluster(options, secret: key.privateKeyForStorage, metrics: metrics)
        if let cluster { output("cluster: node \(cluster.node) joined \(options.cluster!)") }
        let relay: RelayServer
        do {
            relay = try await RelayServer.start(.init(host: listen.host, port: listen.port, key: key, limits: limits, log: log,
                                                      cluster: cluster), metrics: metrics)
        } catch {
            cluster?.stop()
            throw error
        }
        var metricsServer: MetricsServer?
        let metricsGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        if let metricsAddress {
            let server = try await MetricsServer.start(host: metricsAddress.host, port: metricsAddress.port,
                                                       metrics: relay.metrics, group: metricsGroup)
            metricsServer = server
            output("metrics: http://\(Self.display(metricsAddress.host, server.localAddress!.port!))/metrics")
        }
        output("relay key: \(RelayKeyText.encode(relay.publicKey))")
        output("relay ready: \(Self.display(listen.host, relay.address.port!))")

        await waitForTermination()
        output("relay stopping: telling clients, draining for up to \(limits.drainSeconds) s")
        await metricsServer?.stop()
        await relay.stop()
        cluster?.leave()
        try? await metricsGroup.shutdownGracefully()
        output("relay stopped")
    }

    /// With `--cluster`, connects to the NATS servers as the node `--node` (which it needs);
    /// without, nil. Every node of a cluster uses the same relay key file: the key is the one
    /// links pin, and room names on NATS are keyed by it. Given three servers or more, the
    /// cluster's key-value buckets keep three copies, so losing one server loses no lease.
    static func joinCluster(_ options: Options, secret: [UInt8], metrics: RelayMetrics) throws -> RelayCluster? {
        guard let servers = options.cluster else {
            guard options.node == nil else { throw OptionError(description: "--node needs --cluster") }
            return nil
        }
        let urls = servers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !urls.isEmpty, urls.allSatisfy({ $0.hasPrefix("nats://") && $0.count > "nats://".count }) else {
            throw OptionError(description: "--cluster \(servers): expected nats://HOST:PORT[,nats://HOST:PORT…]")
        }
        guard let node = options.node, !node.isEmpty, node.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw OptionError(description: "--cluster needs --node NAME (letters, digits, - and _), this node's name in the cluster")
        }
        do {
            return try RelayCluster(servers: urls, node: node, secret: secret, replicas: min(3, urls.count), metrics: metrics)
        } catch {
            throw OptionError(description: "--cluster \(servers): cannot join the cluster: \(error)")
        }
    }

    /// Parses `HOST:PORT` or `[IPv6]:PORT` for a socket to bind; port 0 picks a free one.
    static func address(_ text: String, flag: String) throws -> (host: String, port: Int) {
        func fail(_ why: String) -> OptionError {
            OptionError(description: "\(flag) \(text): \(why) (expected HOST:PORT, e.g. 0.0.0.0:7700 or [::1]:7700)")
        }
        guard let colon = text.lastIndex(of: ":") else { throw fail("the port is missing") }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw fail("the host is missing") }
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw fail("the port must be a number from 0 to 65535")
        }
        return (host, port)
    }

    static func display(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Returns once SIGTERM or SIGINT arrives (`ProcessSignals`); a second one, while the relay
    /// drains, is ignored as before.
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = SignalOnce(continuation)
            once.keep(ProcessSignals.subscribe { _, count in if count == 1 { once.fire() } })
        }
    }
}

/// Resumes a continuation on the first signal only, and keeps the subscription alive.
private final class SignalOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var subscription: ProcessSignals.Subscription?

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

    func keep(_ subscription: ProcessSignals.Subscription) { lock.withLock { self.subscription = subscription } }

    func fire() {
        let c = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            defer { continuation = nil }
            return continuation
        }
        c?.resume()
    }
}
