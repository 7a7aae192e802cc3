import Foundation
import Glibc
import ParlorProtocol

/// A `parlor serve` child process for the relay benchmark: started with this same binary, read
/// for its key, port and metrics address, measured through /proc, stopped by PID.
final class RelayProcess {
    let process = Process()
    let pid: Int32
    let port: UInt16
    let key: [UInt8]
    let metricsPort: Int

    /// Starts `parlor serve` with the relay key and limits in `directory`, and `extraArguments`
    /// (e.g. `--cluster URL --node NAME`).
    init(directory: URL, extraArguments: [String] = []) throws {
        let output = directory.appendingPathComponent("relay-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0",
                             "--key-file", directory.appendingPathComponent("relay.key").path,
                             "--config", directory.appendingPathComponent("relay.conf").path] + extraArguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        try process.run()
        pid = process.processIdentifier
        var lines: [String: String] = [:]
        let deadline = Date().addingTimeInterval(20)
        while lines.count < 3 {
            guard Date() < deadline, process.isRunning else {
                throw RelayBenchmark.Failure(description: "relay did not start: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
            }
            Thread.sleep(forTimeInterval: 0.05)
            for line in ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n") {
                for prefix in ["relay key: ", "relay ready: ", "metrics: "] where line.hasPrefix(prefix) {
                    lines[prefix] = String(line.dropFirst(prefix.count))
                }
            }
        }
        key = try RelayKeyText.decode(lines["relay key: "]!)
        port = UInt16(lines["relay ready: "]!.split(separator: ":").last!)!
        metricsPort = Int(lines["metrics: "]!.split(separator: ":").last!.split(separator: "/").first!)!
    }

    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        process.waitUntilExit()
    }

    /// Resident memory in KiB (VmRSS in /proc/PID/status).
    func rssKiB() -> Int { statusKiB("VmRSS:") }

    /// The anonymous part of the resident memory (the relay's heap, buffers and stacks, without the
    /// code pages of its binary and libraries) in KiB, from /proc/PID/status.
    func heapKiB() -> Int { statusKiB("RssAnon:") }

    /// A KiB figure of /proc/PID/status, by its label; 0 when it cannot be read.
    private func statusKiB(_ label: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(label) } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// User plus system CPU time in seconds (fields 14 and 15 of /proc/PID/stat).
    func cpuSeconds() -> Double {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
        let fields = stat[(stat.lastIndex(of: ")") ?? stat.startIndex)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[12]), let system = Double(fields[13]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// `parlor_relay_datagrams_forwarded_total` from the metrics endpoint.
    func forwardedPackets() throws -> Int {
        try metric("parlor_relay_datagrams_forwarded_total")
    }

    /// One sample from the metrics endpoint, by its full name (see `PrometheusText`).
    func metric(_ name: String) throws -> Int {
        guard let value = PrometheusText.value(name, in: try metricsText()) else {
            throw RelayBenchmark.Failure(description: "no \(name) in the relay's metrics")
        }
        return value
    }

    /// The relay's whole metrics page.
    func metricsText() throws -> String {
        try httpGet(port: metricsPort, path: "/metrics")
    }

    private func httpGet(port: Int, path: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = Loopback.address(port: UInt16(port))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RelayBenchmark.Failure(description: "cannot reach the relay's metrics") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = write(fd, request, request.count)
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            response += buffer.prefix(n)
        }
        return String(decoding: response, as: UTF8.self)
    }
}
