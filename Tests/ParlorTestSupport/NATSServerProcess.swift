import Foundation

/// A `nats-server` (Debian's package) of a test's own: JetStream on, storing in a temporary
/// folder, listening on a port of loopback the kernel picks. Stopped by PID with `stop()`.
public final class NATSServerProcess: @unchecked Sendable {
    public let process: BackgroundProcess
    /// Where clients connect: `nats://127.0.0.1:PORT`.
    public let url: String
    private let folder: TemporaryDirectory

    /// The Debian package's binary.
    public static let binary = "/usr/sbin/nats-server"

    /// A server of a NATS cluster: its name, its route port, and its peers' routes (`nats://HOST:PORT`).
    public struct ClusterMember: Sendable {
        public let name: String
        public let routePort: Int
        public let peerRoutes: [String]
    }

    /// Starts the server (on `port`, or one the kernel picks; in `cluster`, if given) on `host`,
    /// inside `namespace` when given, and waits until it is ready for clients.
    public init(port: Int? = nil, cluster: ClusterMember? = nil, host: String = "127.0.0.1", namespace: NamespaceLAN.Host? = nil,
                timeout: Double = 20) throws {
        folder = try TemporaryDirectory("parlor-nats")
        let log = folder.path("nats.log")
        var arguments = [Self.binary, "-a", host, "-p", port.map(String.init) ?? "-1", "-js", "-sd", folder.path("jetstream"), "-l", log]
        if let cluster {
            arguments += ["--server_name", cluster.name, "--cluster_name", "parlor-test", "--cluster", "nats://\(host):\(cluster.routePort)",
                          "--routes", cluster.peerRoutes.joined(separator: ",")]
        }
        process = try BackgroundProcess(namespace?.command(arguments) ?? arguments, in: folder)
        let deadline = Date().addingTimeInterval(timeout)
        var port: String?
        while port == nil {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("Server is ready"), let line = text.split(separator: "\n").first(where: { $0.contains("Listening for client connections on") }) {
                port = line.split(separator: ":").last.map(String.init)
            }
            guard port == nil else { break }
            guard Date() < deadline else {
                process.stop(signal: SIGKILL)
                throw BackgroundProcess.TimedOut(waitingFor: "Server is ready", output: text, errors: process.errors)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        url = "nats://\(host):\(port!)"
    }

    /// Three servers clustered on loopback, JetStream on each (ready for clients; JetStream elects
    /// its leader a little later: clients retry their first request).
    public static func cluster(of count: Int = 3) throws -> [NATSServerProcess] {
        let ports = try freePorts(2 * count)
        let routes = Array(ports[count...])
        return try (0..<count).map { index in
            try NATSServerProcess(port: ports[index], cluster: ClusterMember(
                name: "n\(index)", routePort: routes[index],
                peerRoutes: routes.enumerated().filter { $0.offset != index }.map { "nats://127.0.0.1:\($0.element)" }))
        }
    }

    /// One server on each of `hosts` (client port 4222, route port 6222), clustered.
    public static func cluster(on hosts: [NamespaceLAN.Host]) throws -> [NATSServerProcess] {
        try hosts.enumerated().map { index, host in
            try NATSServerProcess(port: 4222, cluster: ClusterMember(
                name: "n\(index)", routePort: 6222,
                peerRoutes: hosts.filter { $0.address != host.address }.map { "nats://\($0.address):6222" }), host: host.address, namespace: host)
        }
    }

    /// `count` TCP ports free on loopback now (bound together, then let go).
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        return try (0..<count).map { _ in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Command.SpawnFailure(command: ["socket"], code: errno) }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw Command.SpawnFailure(command: ["bind"], code: errno) }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    /// Stops the server by its PID (`signal`, then SIGKILL) and removes its folder.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        defer { folder.remove() }
        return process.stop(signal: signal)
    }

    deinit { stop(signal: SIGKILL) }
}
