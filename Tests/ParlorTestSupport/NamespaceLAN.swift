import Foundation
import Glibc

/// Network namespaces on one bridged LAN, 10.78.0.0/24: a hub namespace holds the bridge, and
/// each of the others (`hosts`, 10.78.0.1, .2, …) has a veth to it and `lo` up — for tests that
/// put each node of a cluster on a machine of its own, as far as the network goes. Names carry the
/// test process's PID, so concurrent runs never meet. `remove()` deletes them all; stop the
/// processes started inside first. Whether namespaces can be made here: `NetworkNamespaces.unavailable`.
public final class NamespaceLAN: Sendable {
    /// One machine of the LAN.
    public struct Host: Sendable {
        public let namespace: String
        public let address: String

        /// `arguments` as run inside this namespace (`ip netns exec` execs them: same PID).
        public func command(_ arguments: [String]) -> [String] { ["ip", "netns", "exec", namespace] + arguments }

        /// Runs `arguments` inside this namespace; throws unless it exits 0.
        @discardableResult
        public func run(_ arguments: [String]) throws -> Command.Result { try Command.run(command(arguments)) }
    }

    public let hosts: [Host]
    /// The namespace of the bridge, where a capture sees every packet between the hosts.
    public let hub: String
    /// The bridge's interface in `hub`.
    public let bridge = "br0"

    /// Makes `count` hosts and the bridge; `label` goes into their names.
    public init(_ label: String, hosts count: Int) throws {
        let unique = "\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
        hub = "parlor-\(label)-hub-\(unique)"
        hosts = (0..<count).map { Host(namespace: "parlor-\(label)-\($0)-\(unique)", address: "10.78.0.\($0 + 1)") }
        do {
            try Command.run(["ip", "netns", "add", hub])
            try Command.run(["ip", "-n", hub, "link", "add", bridge, "type", "bridge"])
            try Command.run(["ip", "-n", hub, "link", "set", bridge, "up"])
            try Command.run(["ip", "-n", hub, "link", "set", "lo", "up"])
            for (index, host) in hosts.enumerated() {
                let port = "port\(index)"
                try Command.run(["ip", "netns", "add", host.namespace])
                try Command.run(["ip", "link", "add", "veth0", "netns", host.namespace, "type", "veth", "peer", "name", port, "netns", hub])
                try Command.run(["ip", "-n", hub, "link", "set", port, "master", bridge])
                try Command.run(["ip", "-n", hub, "link", "set", port, "up"])
                try Command.run(["ip", "-n", host.namespace, "addr", "add", host.address + "/24", "dev", "veth0"])
                try Command.run(["ip", "-n", host.namespace, "link", "set", "veth0", "up"])
                try Command.run(["ip", "-n", host.namespace, "link", "set", "lo", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// `arguments` as run inside the hub's namespace (a capture on `bridge`).
    public func hubCommand(_ arguments: [String]) -> [String] { ["ip", "netns", "exec", hub] + arguments }

    /// Deletes every namespace (their veths go with them).
    public func remove() {
        for namespace in hosts.map(\.namespace) + [hub] { _ = try? Command.runAllowingFailure(["ip", "netns", "del", namespace]) }
    }
}
