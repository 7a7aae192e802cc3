import ArgumentParser
import ParlorApp

extension Parlor {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a blind relay that rooms can meet on.",
            discussion: """
                The relay forwards end-to-end encrypted audio and routes rooms by opaque ids: it \
                cannot hear a room, read its title or names, or tell who is who. It listens on one \
                port for TCP (control) and UDP (media); open both in your firewall.

                On start it prints `relay key: KEY` (give it to hosts with --server) and \
                `relay ready: HOST:PORT`. The key file is created (mode 0600) on first run; keep \
                it, or every invite link made for this relay stops working. SIGTERM or Ctrl-C \
                tells clients the relay is closing and drains for a few seconds.

                At --log-level info (the default) it logs rooms opening and closing, with counts, \
                and no client address, key or room id. --log-level debug also logs client \
                addresses, session numbers, refused requests and prefixes of room ids and member \
                keys, and says so when it starts. Metrics (counts only, Prometheus text) are \
                served on a loopback address when --metrics is given.

                Limits (rooms, members, speakers, message sizes and rates, handshakes, timeouts) \
                have defaults; --config FILE sets any of them, one `name = number` a line, e.g. \
                `max_members_per_room = 5000`.

                With --cluster nats://HOST:PORT[,…] --node NAME the relay is a node of a cluster \
                that shares one NATS (nats-server with JetStream): each room has one authority, \
                the node holding its lease, and moves to another node with its sender slots, \
                epoch, bans and revoked grants when that node dies (docs/CLUSTER.md). Every node \
                uses the same key file. Without --cluster the relay stands alone.

                Example:
                  parlor serve --listen 0.0.0.0:7700 --metrics 127.0.0.1:9700
                  parlor serve --listen 0.0.0.0:7700 --cluster nats://10.0.0.5:4222 --node relay-a
                """)

        @Option(help: "Address and port for TCP and UDP, e.g. 0.0.0.0:7700 or [::]:7700.")
        var listen: String

        @Option(help: "The relay's private key file (default: $XDG_DATA_HOME/parlor/relay.key).")
        var keyFile: String?

        @Option(help: "Serve Prometheus metrics on this loopback address, e.g. 127.0.0.1:9700.")
        var metrics: String?

        @Option(help: "A file of limits, `name = number` a line.")
        var config: String?

        @Option(help: "info (no addresses, keys or ids) or debug (more, for your own troubleshooting).")
        var logLevel = "info"

        @Option(help: "NATS servers of a relay cluster to join, nats://HOST:PORT[,…].")
        var cluster: String?

        @Option(help: "This relay's node name in the cluster (with --cluster).")
        var node: String?

        func run() async throws {
            try await RelayService.run(.init(listen: listen, keyFile: keyFile, metrics: metrics, config: config, logLevel: logLevel,
                                         cluster: cluster, node: node))
        }
    }
}
