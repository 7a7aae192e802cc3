import ArgumentParser
import ParlorApp
import ParlorBench

extension Parlor.Bench {
    struct Cluster: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure a room across a relay cluster against the same room on one relay.",
            discussion: """
                Runs `parlor bench relay`'s room on one `parlor serve`, then across --nodes of \
                them joined by a `nats-server` of its own (Debian's package), the listeners spread \
                over the nodes and the speaker on the first. Prints the cluster's relay CPU per \
                forwarded packet against the single node's, inter-node packets per speaker frame, \
                the p99 delay the cluster adds, and loss. With --json the last line is one JSON \
                object. Build with -c release for figures that mean something.

                Example:
                  parlor bench cluster --nodes 3 --listeners 300 --seconds 10 --json
                """)

        @Option(help: "Relay nodes in the cluster.")
        var nodes = 3

        @Option(help: "Listeners, spread evenly over the nodes.")
        var listeners = 300

        @Option(help: "Seconds to measure each room for.")
        var seconds = 10.0

        @Flag(help: "End with one JSON object of the figures.")
        var json = false

        func validate() throws {
            guard nodes >= 2, listeners >= nodes, seconds > 0 else {
                throw ValidationError("--nodes must be at least 2, --listeners at least --nodes, --seconds above 0")
            }
        }

        func run() throws {
            let result = try ClusterBenchmark.run(.init(nodes: nodes, listeners: listeners, seconds: seconds)) { RelayService.printLine($0) }
            print(result.text)
            if json { print(result.json) }
        }
    }
}
