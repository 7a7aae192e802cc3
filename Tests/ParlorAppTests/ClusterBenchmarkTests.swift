import Foundation
import ParlorTestSupport
import Testing

/// The cluster benchmark runs end to end, small and short; its figures must be those of a cluster
/// that works: each speaker frame crosses to each other node once, nothing is lost.
@Suite struct ClusterBenchmarkTests {
    @Test func smallRunPrintsEveryFigureAsJSONWithOnePacketPerFramePerOtherNode() throws {
        let result = try Command.run([try ParlorBinary.path(), "bench", "cluster", "--nodes", "3", "--listeners", "30",
                                      "--seconds", "2", "--json"])
        let last = try #require(result.stdout.split(separator: "\n").last)
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        for key in ["relay_cpu_us_per_packet", "single_node_cpu_us_per_packet", "cpu_ratio", "inter_node_packets_per_frame",
                    "p99_delay_ms", "added_p99_delay_ms", "loss_percent"] {
            #expect(figures[key] is Double || figures[key] is Int, "missing \(key) in \(last)")
        }
        // Three nodes, each with listeners: every frame reaches the two others once.
        #expect(figures["inter_node_packets_per_frame"] as? Double == 2, "\(last)")
        let loss = try #require(figures["loss_percent"] as? Double)
        #expect(loss >= 0 && loss <= 0.1, "loss \(loss) %")
    }
}
