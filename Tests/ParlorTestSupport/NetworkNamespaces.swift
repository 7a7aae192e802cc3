import Foundation
import Glibc

/// Two network namespaces joined by a veth pair (`veth0` at each end, 10.77.0.1/24 and
/// 10.77.0.2/24, `lo` up), for tests that put real processes on either side of a link whose
/// faults they control. Names carry the test process's PID, so concurrent runs never meet.
/// `remove()` deletes both namespaces (their veth ends and iptables rules go with them); stop
/// the processes started inside first.
public final class NetworkNamespaces: Sendable {
    /// One side of the link.
    public struct End: Sendable {
        public let namespace: String
        public let address: String
        public let interface = "veth0"

        /// `arguments` as run inside this namespace (`ip netns exec` execs them: same PID).
        public func command(_ arguments: [String]) -> [String] { ["ip", "netns", "exec", namespace] + arguments }

        /// Runs `arguments` inside this namespace; throws unless it exits 0.
        @discardableResult
        public func run(_ arguments: [String]) throws -> Command.Result { try Command.run(command(arguments)) }
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public let left: End
    public let right: End

    /// Makes the two namespaces and the link; `label` goes into their names.
    public init(_ label: String) throws {
        let unique = "\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
        left = End(namespace: "parlor-\(label)-a-\(unique)", address: "10.77.0.1")
        right = End(namespace: "parlor-\(label)-b-\(unique)", address: "10.77.0.2")
        do {
            try Command.run(["ip", "netns", "add", left.namespace])
            try Command.run(["ip", "netns", "add", right.namespace])
            try Command.run(["ip", "link", "add", left.interface, "netns", left.namespace, "type", "veth",
                             "peer", "name", right.interface, "netns", right.namespace])
            for end in [left, right] {
                try Command.run(["ip", "-n", end.namespace, "addr", "add", end.address + "/24", "dev", end.interface])
                try Command.run(["ip", "-n", end.namespace, "link", "set", end.interface, "up"])
                try Command.run(["ip", "-n", end.namespace, "link", "set", "lo", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// Deletes both namespaces.
    public func remove() {
        for end in [left, right] { _ = try? Command.runAllowingFailure(["ip", "netns", "del", end.namespace]) }
    }

    /// Cuts the link both ways, silently, as a real partition does: every packet arriving at
    /// either end is dropped in its INPUT chain. (A DROP in OUTPUT would fail the senders' calls
    /// with EPERM, which no real network does; `ip link set down` would fail them too.)
    public func cut() throws {
        for end in [left, right] { try end.run(["iptables", "-I", "INPUT", "-i", end.interface, "-j", "DROP"]) }
    }

    /// Restores the link after `cut()`; returns how many packets the cut dropped.
    @discardableResult
    public func heal() throws -> Int {
        var dropped = 0
        for end in [left, right] {
            // `-L INPUT 1 -v -x`: the first rule (the cut) with its exact packet count first.
            let rule = try end.run(["iptables", "-L", "INPUT", "1", "-v", "-x", "-n"]).stdout
            dropped += Int(rule.split(separator: " ").first ?? "") ?? 0
            try end.run(["iptables", "-D", "INPUT", "-i", end.interface, "-j", "DROP"])
        }
        return dropped
    }

    /// Why namespaces cannot be made here (not root, no `ip` or `iptables`, `ip netns add`
    /// refused), or nil when they can. Probed once per process.
    public static let unavailable: String? = probe()

    /// Set to 1 (as `make test` does) and a test that needs namespaces fails where they cannot
    /// be made, rather than being skipped.
    public static let requiredVariable = "PARLOR_REQUIRE_NETNS"

    /// Whether tests that need namespaces should run: they can be made here, or
    /// PARLOR_REQUIRE_NETNS=1 demands them (and `requireAvailable()` then fails the test).
    public static var shouldRun: Bool {
        unavailable == nil || ProcessInfo.processInfo.environment[requiredVariable] == "1"
    }

    /// Throws, saying why, when namespaces cannot be made here.
    public static func requireAvailable() throws {
        if let unavailable {
            throw Unavailable(description: "network namespaces cannot be made here (\(requiredVariable)=1 requires them): \(unavailable)")
        }
    }

    private static func probe() -> String? {
        guard getuid() == 0 else { return "not root" }
        for tool in ["ip", "iptables"] where !Command.exists(tool) { return "no `\(tool)` on PATH (apt-get install iproute2 iptables)" }
        let name = "parlor-probe-\(getpid())"
        guard let added = try? Command.runAllowingFailure(["ip", "netns", "add", name]) else { return "cannot run ip" }
        guard added.status == 0 else { return "ip netns add: \(added.stderr)" }
        defer { _ = try? Command.runAllowingFailure(["ip", "netns", "del", name]) }
        guard let rules = try? Command.runAllowingFailure(["ip", "netns", "exec", name, "iptables", "-S"]), rules.status == 0 else {
            return "iptables does not work inside a namespace"
        }
        return nil
    }
}
