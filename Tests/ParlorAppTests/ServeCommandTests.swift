import Foundation
import ParlorTestSupport
import Testing

/// `parlor serve` as an operator runs it: a real process, stopped by PID.
@Suite struct ServeCommandTests {
    @Test func printsKeyAndReadyCreatesAPrivateKeyFileServesMetricsAndDrainsOnSIGTERM() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let keyFile = dir.path("relay.key")
        let relay = try BackgroundProcess([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0",
                                           "--key-file", keyFile, "--metrics", "127.0.0.1:0"], in: dir)
        let key = try relay.waitForLine(startingWith: "relay key: ")
        #expect(key.count == 43, "32 bytes in unpadded base64url")
        let ready = try relay.waitForLine(startingWith: "relay ready: 127.0.0.1:")
        #expect(Int(ready) ?? 0 > 0)
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let metricsURL = try relay.waitForLine(startingWith: "metrics: ")
        let metrics = try Command.run(["curl", "-sf", metricsURL]).stdout
        #expect(metrics.contains("parlor_relay_sessions_open 0"))

        #expect(relay.stop(signal: SIGTERM) == 0)
        #expect(relay.output.contains("relay stopped"))

        // The same key comes back on the next start.
        let again = try BackgroundProcess([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0", "--key-file", keyFile], in: dir)
        #expect(try again.waitForLine(startingWith: "relay key: ") == key)
        again.stop()
    }

    @Test func badOptionsSayWhatIsWrong() throws {
        let result = try Command.runAllowingFailure([try ParlorBinary.path(), "serve", "--listen", "localhost"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--listen localhost: the port is missing"))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try "max_rooms = lots\n".write(toFile: dir.path("relay.conf"), atomically: true, encoding: .utf8)
        let config = try Command.runAllowingFailure([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0",
                                                     "--key-file", dir.path("k"), "--config", dir.path("relay.conf")])
        #expect(config.stderr.contains("config line 1: max_rooms must be a positive integer"))
        let metrics = try Command.runAllowingFailure([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0",
                                                      "--key-file", dir.path("k"), "--metrics", "0.0.0.0:0"])
        #expect(metrics.stderr.contains("not a loopback address"))
    }
}
