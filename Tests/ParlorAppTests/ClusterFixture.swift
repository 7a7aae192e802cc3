import Foundation
import ParlorProtocol
import ParlorServer
import ParlorTestSupport
import Testing

/// A relay cluster of real processes for one test: NATS servers (one, or three clustered), relay
/// nodes `parlor serve --cluster` sharing one key file, and the members the test starts — on
/// loopback, or with `namespaces` each NATS server and relay node on a machine of its own (a
/// namespace of a `NamespaceLAN`) and the members on one more. `stop()` (or deinit) stops them
/// all by PID: members, nodes, servers, then the namespaces.
final class ClusterFixture {
    /// A relay node: its process, where it listens, and the Prometheus text it serves (on its
    /// machine's loopback: the relay serves metrics nowhere else).
    struct Node {
        let name: String
        let process: BackgroundProcess
        let host: String
        let port: String
        let key: String
        let metricsURL: String
        /// Its machine, with namespaces.
        let machine: NamespaceLAN.Host?

        /// `HOST:PORT`, as `--server` takes it.
        var address: String { "\(host):\(port)" }

        func metric(_ name: String) throws -> Int {
            let curl = ["curl", "-s", metricsURL]
            let text = try Command.run(machine?.command(curl) ?? curl).stdout
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("parlor_relay_\(name) ") })
            return Int(line.split(separator: " ").last!)!
        }

        /// `link` naming this node only (every node has the same key, so the link's pin holds).
        func link(_ link: String) throws -> String {
            var parsed = try InviteLink.parse(link)
            parsed.relay = RelayAddress(host: .ipv4(host), port: UInt16(port)!)
            parsed.otherRelays = []
            return parsed.text
        }
    }

    let dir: TemporaryDirectory
    let lan: NamespaceLAN?
    let nats: [NATSServerProcess]
    private(set) var nodes: [Node] = []
    private var members: [BackgroundProcess] = []
    let keyFile: String
    private var stopped = false

    /// Starts `natsServers` NATS servers (3: clustered, the buckets then keep three copies) and
    /// one relay node per name, each listing every server in the same order (so all start on the
    /// first). With `namespaces`, node i and server i share machine i, and members run on one more.
    /// With `ownServerFirst`, node i lists server i first instead (a deployment's spread).
    init(natsServers: Int = 1, nodes names: [String] = ["a", "b", "c"], namespaces: Bool = false, ownServerFirst: Bool = false) throws {
        dir = try TemporaryDirectory()
        keyFile = dir.path("relay.key")
        if namespaces {
            try NetworkNamespaces.requireAvailable()
            let lan = try NamespaceLAN("cl", hosts: max(names.count, natsServers) + 1)
            self.lan = lan
            nats = natsServers == 1 ? [try NATSServerProcess(port: 4222, host: lan.hosts[0].address, namespace: lan.hosts[0])]
                                    : try NATSServerProcess.cluster(on: Array(lan.hosts.prefix(natsServers)))
        } else {
            lan = nil
            nats = natsServers == 1 ? [try NATSServerProcess()] : try NATSServerProcess.cluster(of: natsServers)
        }
        for (index, name) in names.enumerated() {
            let first = ownServerFirst ? index % nats.count : 0
            let urls = (nats[first...] + nats[..<first]).map(\.url).joined(separator: ",")
            nodes.append(try startNode(name, servers: urls, machine: lan?.hosts[index]))
        }
    }

    /// Starts a node; while a NATS cluster has not yet elected JetStream's leaders the node cannot
    /// make its buckets and exits, so it is started again, for up to 30 s.
    private func startNode(_ name: String, servers: String, machine: NamespaceLAN.Host?) throws -> Node {
        let host = machine?.address ?? "127.0.0.1"
        let arguments = [try ParlorBinary.path(), "serve", "--listen", "\(host):0", "--key-file", keyFile,
                         "--metrics", "127.0.0.1:0", "--cluster", servers, "--node", name]
        let deadline = Date().addingTimeInterval(30)
        while true {
            let process = try BackgroundProcess(machine?.command(arguments) ?? arguments, in: dir)
            do {
                let key = try process.waitForLine(startingWith: "relay key: ")
                let metrics = try process.waitForLine(startingWith: "metrics: ")
                let port = try process.waitForLine(startingWith: "relay ready: \(host):")
                return Node(name: name, process: process, host: host, port: port, key: key, metricsURL: metrics, machine: machine)
            } catch let exited as BackgroundProcess.Exited where Date() < deadline && exited.errors.contains("cannot join the cluster") {
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }

    /// Makes the NATS server named `server` (`n0`, `n1`, …) the leader of the JetStream streams
    /// behind the cluster's key-value buckets, by asking each stream's leader to step down until
    /// it is (loopback only: the test reaches the servers). Returns whether it is, for each.
    func makeJetStreamLeader(_ server: String) throws -> Bool {
        let connection = try NATSConnection(servers: nats.map(\.url), name: "test")
        defer { connection.close() }
        var led = true
        for stream in ["KV_parlor-leases", "KV_parlor-rooms"] {
            var leader = ""
            for _ in 0..<20 {
                let info = try JSONSerialization.jsonObject(with: Data(try connection.request([], on: "$JS.API.STREAM.INFO.\(stream)")))
                leader = ((info as? [String: Any])?["cluster"] as? [String: Any])?["leader"] as? String ?? ""
                if leader == server { break }
                _ = try? connection.request([], on: "$JS.API.STREAM.LEADER.STEPDOWN.\(stream)")
                Thread.sleep(forTimeInterval: 1)
            }
            led = led && leader == server
        }
        return led
    }

    /// The node named `name`.
    subscript(_ name: String) -> Node { nodes.first { $0.name == name }! }

    /// Starts `parlor ARGUMENTS…` as a member (on the members' machine, with namespaces); stopped with the fixture.
    func member(_ arguments: [String], withInput: Bool = false) throws -> BackgroundProcess {
        let command = [try ParlorBinary.path()] + arguments
        let process = try BackgroundProcess(lan?.hosts.last!.command(command) ?? command, in: dir, withInput: withInput)
        members.append(process)
        return process
    }

    /// A headless host on `servers` (it uses the first; its links name them all), once it joined
    /// its room: the process and its `room_created` event.
    func host(servers: [Node], title: String, name: String) throws -> (process: BackgroundProcess, listenLink: String, speakLink: String) {
        let host = try member(["host", "--headless", "--server", servers.map(\.address).joined(separator: ","), "--relay-key", servers[0].key,
                               "--title", title, "--name", name], withInput: true)
        let created = try HeadlessFaceTests.json(try host.waitForLine(containing: "\"room_created\""))
        _ = try host.waitForLine(containing: "\"joined\"")
        return (host, try #require(created["listen_link"] as? String), try #require(created["speak_link"] as? String))
    }

    /// Stops everything by PID (members first), then removes the namespaces and the folder.
    func stop() {
        guard !stopped else { return }
        stopped = true
        for member in members { member.stop() }
        members = []
        for node in nodes { node.process.stop() }
        for server in nats { server.stop() }
        lan?.remove()
        dir.remove()
    }

    deinit { stop() }
}
