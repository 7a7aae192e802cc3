import Foundation
import ParlorTestSupport
import Testing

/// The relay benchmark runs end to end (small and short: figures come from `make bench`).
@Suite struct RelayBenchmarkTests {
    @Test func smallRunPrintsEveryFigureAsJSONAndLosesNothing() throws {
        let result = try Command.run([try ParlorBinary.path(), "bench", "relay", "--listeners", "20", "--speakers", "2",
                                      "--seconds", "1", "--json"])
        let last = try #require(result.stdout.split(separator: "\n").last)
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        for key in ["forwarded_pps", "relay_cpu_us_per_packet", "relay_rss_kib_per_listener", "loss_pct", "p99_relay_delay_ms"] {
            #expect(figures[key] is Double || figures[key] is Int, "missing \(key) in \(last)")
        }
        // 2 speakers × 50 frames/s, each to 20 listeners and the other speaker: at most 2,100/s.
        // (Loss and speed depend on what else the machine runs; `make bench` gives the figures.)
        let pps = try #require(figures["forwarded_pps"] as? Double)
        #expect(pps > 0 && pps <= 2_100, "\(pps)")
        let loss = try #require(figures["loss_pct"] as? Double)
        #expect(loss >= 0 && loss < 100)
    }
}
