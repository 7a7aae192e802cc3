import Foundation
import Glibc
import ParlorServer

/// `parlor bench cluster`: the same room measured twice in one run — on one `parlor serve`, then
/// across `nodes` of them joined by a `nats-server` of its own — with the listeners spread evenly
/// over the nodes and the speaker on the first (the room's authority). Prints the cluster's relay
/// CPU per forwarded packet against the single node's, the inter-node packets per speaker frame,
/// the delay the cluster adds (p99 against p99) and the loss.
public enum ClusterBenchmark {
    public struct Options: Sendable {
        public var nodes: Int
        public var listeners: Int
        public var seconds: Double
        public init(nodes: Int, listeners: Int, seconds: Double) {
            self.nodes = nodes
            self.listeners = listeners
            self.seconds = seconds
        }
    }

    public struct Result: Sendable {
        public var single = RelayBenchmark.Result()
        public var nodes = 0, listeners = 0
        public var seconds = 0.0
        public var relayCPUMicrosecondsPerPacket = 0.0
        public var interNodePacketsPerFrame = 0.0
        public var lossPercent = 0.0
        public var p99RelayDelayMs = 0.0

        /// Cluster CPU per forwarded packet over the single node's.
        public var cpuRatio: Double { single.relayCPUMicrosecondsPerPacket > 0 ? relayCPUMicrosecondsPerPacket / single.relayCPUMicrosecondsPerPacket : 0 }
        /// The cluster's p99 delay minus the single node's.
        public var addedP99DelayMs: Double { p99RelayDelayMs - single.p99RelayDelayMs }

        public var json: String {
            func f(_ x: Double) -> String { String(format: "%.3f", x) }
            return "{\"nodes\":\(nodes),\"listeners\":\(listeners),\"seconds\":\(f(seconds)),"
                + "\"relay_cpu_us_per_packet\":\(f(relayCPUMicrosecondsPerPacket)),\"single_node_cpu_us_per_packet\":\(f(single.relayCPUMicrosecondsPerPacket)),"
                + "\"cpu_ratio\":\(f(cpuRatio)),\"inter_node_packets_per_frame\":\(f(interNodePacketsPerFrame)),"
                + "\"p99_delay_ms\":\(f(p99RelayDelayMs)),\"added_p99_delay_ms\":\(f(addedP99DelayMs)),\"loss_percent\":\(f(lossPercent)),"
                + "\"single_node_loss_percent\":\(f(single.lossPercent))}"
        }

        public var text: String {
            """
            cluster of \(nodes) nodes, \(listeners) listeners, 1 speaker, \(String(format: "%.0f", seconds)) s
              relay CPU:       \(String(format: "%.2f", relayCPUMicrosecondsPerPacket)) µs per forwarded packet (all nodes), single node \(String(format: "%.2f", single.relayCPUMicrosecondsPerPacket)) µs: \(String(format: "%.2f", cpuRatio))×
              between nodes:   \(String(format: "%.2f", interNodePacketsPerFrame)) packets per speaker frame (nodes with members − 1 = \(nodes - 1))
              delay p99:       \(String(format: "%.2f", p99RelayDelayMs)) ms, single node \(String(format: "%.2f", single.p99RelayDelayMs)) ms: \(String(format: "%+.2f", addedP99DelayMs)) ms
              loss:            \(String(format: "%.3f", lossPercent)) % (single node \(String(format: "%.3f", single.lossPercent)) %)
            """
        }
    }

    public static func run(_ options: Options, progress: (String) -> Void = { _ in }) throws -> Result {
        var result = Result()
        result.nodes = options.nodes
        result.listeners = options.listeners
        result.seconds = options.seconds
        progress("single node")
        result.single = try RelayBenchmark.run(.init(listeners: options.listeners, speakers: 1, seconds: options.seconds), progress: progress)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parlor-bench-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            max_members_per_room = \(options.listeners + 10)
            max_sessions = \(options.listeners + 10)
            idle_timeout_seconds = 3600
            handshakes_per_second = 1_000_000
            """.write(to: dir.appendingPathComponent("relay.conf"), atomically: true, encoding: .utf8)
        let nats = try NATSProcess(directory: dir)
        defer { nats.stop() }
        progress("nats-server pid \(nats.pid) at \(nats.url)")
        var nodes: [RelayProcess] = []
        defer { for node in nodes { node.stop() } }
        for index in 0..<options.nodes {
            nodes.append(try RelayProcess(directory: dir, extraArguments: ["--cluster", nats.url, "--node", "bench\(index)"]))
        }

        let room = try BenchRoom()
        let host = try RelaySocketSession(port: nodes[0].port, relayKey: nodes[0].key, member: room.host)
        try host.create(room: room)
        try host.setUpMedia()
        var listeners: [RelaySocketSession] = []
        for i in 0..<options.listeners {
            let node = nodes[i % nodes.count]
            let listener = try RelaySocketSession(port: node.port, relayKey: node.key)
            _ = try listener.join(room: room)
            try listener.setUpMedia()
            listeners.append(listener)
            if (i + 1) % 500 == 0 { progress("\(i + 1) listeners joined") }
        }
        while (try? host.receive(within: 0.3)) != nil {}

        let receiver = MediaCounter(listeners)
        receiver.start()
        let cpuBefore = nodes.map { $0.cpuSeconds() }.reduce(0, +)
        let forwardedBefore = try nodes.map { try $0.forwardedPackets() }.reduce(0, +)
        let crossedBefore = try nodes.map { try $0.metric("parlor_relay_cluster_media_received_total") }.reduce(0, +)
        let sent = try RelayBenchmark.send(from: [host], keepingAlive: listeners, seconds: options.seconds, start: Monotonic.nanoseconds)
        let (received, delays) = receiver.finish()
        let cpuAfter = nodes.map { $0.cpuSeconds() }.reduce(0, +)
        let forwarded = try nodes.map { try $0.forwardedPackets() }.reduce(0, +) - forwardedBefore
        let crossed = try nodes.map { try $0.metric("parlor_relay_cluster_media_received_total") }.reduce(0, +) - crossedBefore

        result.relayCPUMicrosecondsPerPacket = forwarded > 0 ? (cpuAfter - cpuBefore) * 1e6 / Double(forwarded) : 0
        result.interNodePacketsPerFrame = sent > 0 ? Double(crossed) / Double(sent) : 0
        let expected = sent * options.listeners
        result.lossPercent = expected > 0 ? max(0, Double(expected - received) * 100 / Double(expected)) : 0
        let sorted = delays.sorted()
        if !sorted.isEmpty { result.p99RelayDelayMs = sorted[min(sorted.count - 1, sorted.count * 99 / 100)] }
        return result
    }
}

/// A `nats-server` child process (Debian's package) with JetStream, on a port of loopback the
/// kernel picks, stopped by PID.
final class NATSProcess {
    let process = Process()
    let pid: Int32
    let url: String

    /// Where Debian installs it.
    static let binary = "/usr/sbin/nats-server"

    init(directory: URL) throws {
        let log = directory.appendingPathComponent("nats.log").path
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw RelayBenchmark.Failure(description: "\(Self.binary) not found: install the nats-server package (make test-deps)")
        }
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", directory.appendingPathComponent("jetstream").path, "-l", log]
        try process.run()
        pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(20)
        var port: Substring?
        while port == nil {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("Server is ready") {
                port = text.split(separator: "\n").first { $0.contains("Listening for client connections on") }?.split(separator: ":").last
            }
            guard port == nil else { break }
            guard Date() < deadline, process.isRunning else {
                if process.isRunning { kill(pid, SIGKILL) }
                throw RelayBenchmark.Failure(description: "nats-server did not start: \(text.suffix(500))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        url = "nats://127.0.0.1:\(port!)"
    }

    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        process.waitUntilExit()
    }
}
