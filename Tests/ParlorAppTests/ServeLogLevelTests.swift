import Foundation
import Glibc
import ParlorBench
import ParlorCrypto
import ParlorProtocol
import ParlorTestSupport
import Testing

/// `parlor serve --log-level`: info names nobody; debug names more and says so first. A real
/// relay process, a real session on loopback, stopped by PID.
@Suite struct ServeLogLevelTests {
    /// Runs a relay at `level`, has one client create a room, join and leave, and returns the
    /// relay's output and what would identify the client.
    func session(logLevel: String) throws -> (output: String, clientPorts: [UInt16], keys: [[UInt8]]) {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let relay = try BackgroundProcess([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0", "--log-level", logLevel,
                                           "--key-file", dir.path("relay.key")], in: dir)
        let key = try RelayKeyText.decode(try relay.waitForLine(startingWith: "relay key: "))
        let port = try #require(UInt16(try relay.waitForLine(startingWith: "relay ready: 127.0.0.1:")))
        let room = try BenchRoom()
        let client = try RelaySocketSession(port: port, relayKey: key, member: room.host)
        try client.create(room: room)
        try client.setUpMedia()
        try client.send(.leave)
        _ = try relay.waitForLine(startingWith: "a room closed")
        let ports = [client.tcp, client.udp].map(Self.localPort)
        relay.stop()
        return (relay.output, ports, [client.memberKey, room.roomID])
    }

    static func localPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func infoLogsRoomsAsCountsAndNoAddressKeyOrId() throws {
        let (output, ports, keys) = try session(logLevel: "info")
        #expect(output.contains("a room opened (1 open)") && output.contains("a room closed (0 open)"))
        for port in ports { #expect(!output.contains(String(port)), "client port \(port) in: \(output)") }
        for key in keys {
            #expect(!output.contains(Self.hex(key.prefix(4))) && !output.contains(RelayKeyText.encode(key)), "a key or id in: \(output)")
        }
        let allowed = ["relay key: ", "relay ready: ", "created relay key file ", "a room opened (", "a room closed (",
                       "relay stopping: ", "relay stopped"]
        for line in output.split(separator: "\n") {
            #expect(allowed.contains { line.hasPrefix($0) }, "unexpected line at info: \(line)")
        }
    }

    @Test func debugSaysSoFirstAndShowsTheClient() throws {
        let (output, ports, keys) = try session(logLevel: "debug")
        #expect(output.contains("log level debug:"))
        #expect(output.contains("127.0.0.1:\(ports[0])"), "the client's address at debug: \(output)")
        #expect(output.contains(Self.hex(keys[0].prefix(4))), "the member key's prefix at debug")
    }

    @Test func anUnknownLevelIsRefused() throws {
        let result = try Command.runAllowingFailure([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0", "--log-level", "loud"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--log-level loud: expected one of info, debug"))
    }
}
