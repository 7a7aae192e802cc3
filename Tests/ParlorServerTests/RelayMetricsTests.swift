import Testing
@testable import ParlorServer

@Suite struct RelayMetricsTests {
    @Test func prometheusTextHasEveryCounterAndDropReason() {
        let metrics = RelayMetrics()
        metrics.add(.datagramsForwarded, 1_000)
        metrics.add(.roomsOpen)
        metrics.dropped(.malformed, 3)
        let text = metrics.prometheusText
        #expect(text.contains("# TYPE parlor_relay_datagrams_forwarded_total counter\nparlor_relay_datagrams_forwarded_total 1000\n"))
        #expect(text.contains("# TYPE parlor_relay_rooms_open gauge\nparlor_relay_rooms_open 1\n"))
        #expect(text.contains("parlor_relay_dropped_total{reason=\"malformed\"} 3\n"))
        for reason in RelayMetrics.DropReason.allCases {
            #expect(text.contains("reason=\"\(reason.rawValue)\""))
        }
    }

    @Test func countsFromManyThreadsAddUp() async {
        let metrics = RelayMetrics()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<10_000 { metrics.dropped(.replayed) } }
            }
        }
        #expect(metrics.value(.replayed) == 80_000)
    }
}
