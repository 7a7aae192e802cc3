import Foundation

/// netem's loss and jitter on the egress of one namespace's veth, for kernels without sch_netem
/// (this one has none): an iptables rule sends every packet leaving the interface to a netfilter
/// queue, and `scripts/netfault-queue.py`, running inside the same namespace (netlink is per
/// namespace), holds each for a seeded random delay (so packets also reorder) or drops it.
/// Control traffic (TCP) and media (UDP) alike, as netem on that interface would.
public final class NetworkFaultQueue: @unchecked Sendable {
    /// What passed the queue since the last report.
    public struct Report: Sendable, CustomStringConvertible {
        public let packets: Int
        public let dropped: Int
        /// Packets let through after one that was queued later (RFC 4737's reordered packets).
        public let reordered: Int

        public var description: String { "\(dropped) of \(packets) packets dropped, \(reordered) reordered" }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let daemon: BackgroundProcess
    private let end: NetworkNamespaces.End
    private let rule: [String]
    private var reports = 0

    /// Starts the daemon in `end`'s namespace and routes the interface's egress through it,
    /// unimpaired until `impair` says otherwise.
    public init(on end: NetworkNamespaces.End, seed: Int = 42, in directory: TemporaryDirectory) throws {
        let script = ParlorBinary.packageRoot.appendingPathComponent("scripts/netfault-queue.py").path
        let queue = "0"
        self.end = end
        rule = ["OUTPUT", "-o", end.interface, "-j", "NFQUEUE", "--queue-num", queue]
        daemon = try BackgroundProcess(end.command(["python3", script, queue, "--seed", String(seed)]), in: directory, withInput: true)
        _ = try daemon.waitForLine(containing: "ready", timeout: 10)
        try end.run(["iptables", "-A"] + rule)
    }

    deinit { stop() }

    /// From now on: drop `lossPercent` % of the packets, hold the others 0 to `jitterMilliseconds` ms.
    public func impair(lossPercent: Double, jitterMilliseconds: Double) {
        daemon.send("impair \(lossPercent) \(jitterMilliseconds)")
    }

    /// The counts since the previous report (or the start).
    public func report() throws -> Report {
        daemon.send("report")
        reports += 1
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let lines = daemon.output.split(separator: "\n").filter { $0.hasPrefix("{") }
            if lines.count >= reports,
               let counts = try JSONSerialization.jsonObject(with: Data(lines[reports - 1].utf8)) as? [String: Int],
               let packets = counts["packets"], let dropped = counts["dropped"], let reordered = counts["reordered"] {
                return Report(packets: packets, dropped: dropped, reordered: reordered)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw Failure(description: "netfault-queue.py did not report: \(daemon.output.suffix(500)) \(daemon.errors.suffix(1000))")
    }

    /// Removes the rule and stops the daemon (packets it still holds are dropped).
    public func stop() {
        _ = try? Command.runAllowingFailure(end.command(["iptables", "-D"] + rule))
        daemon.stop()
    }
}
