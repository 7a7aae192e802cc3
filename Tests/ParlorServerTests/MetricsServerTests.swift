import Foundation
import NIOPosix
import ParlorTestSupport
import Testing
@testable import ParlorServer

@Suite struct MetricsServerTests {
    @Test func servesPrometheusTextOnLoopbackOnly() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let metrics = RelayMetrics()
        metrics.add(.roomsOpen, 3)
        let server = try await MetricsServer.start(host: "127.0.0.1", port: 0, metrics: metrics, group: group)
        let port = server.localAddress!.port!
        let body = try Command.run(["curl", "-sf", "http://127.0.0.1:\(port)/metrics"]).stdout
        #expect(body.contains("parlor_relay_rooms_open 3\n"))
        let missing = try Command.runAllowingFailure(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"])
        #expect(missing.stdout == "404")
        await server.stop()

        await #expect(throws: MetricsServer.NotLoopback.self) {
            _ = try await MetricsServer.start(host: "0.0.0.0", port: 0, metrics: metrics, group: group)
        }
        try await group.shutdownGracefully()
    }
}
