import Foundation

/// A `nats-server` (Debian's package) of a test's own: JetStream on, storing in a temporary
/// folder, listening on a port of loopback the kernel picks. Stopped by PID with `stop()`.
public final class NATSServerProcess: @unchecked Sendable {
    public let process: BackgroundProcess
    /// Where clients connect: `nats://127.0.0.1:PORT`.
    public let url: String
    private let folder: TemporaryDirectory

    /// The Debian package's binary.
    public static let binary = "/usr/sbin/nats-server"

    /// Starts the server and waits until it is ready for clients.
    public init(timeout: Double = 20) throws {
        folder = try TemporaryDirectory("parlor-nats")
        let log = folder.path("nats.log")
        process = try BackgroundProcess([Self.binary, "-a", "127.0.0.1", "-p", "-1", "-js",
                                         "-sd", folder.path("jetstream"), "-l", log], in: folder)
        let deadline = Date().addingTimeInterval(timeout)
        var port: String?
        while port == nil {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("Server is ready"), let line = text.split(separator: "\n").first(where: { $0.contains("Listening for client connections on") }) {
                port = line.split(separator: ":").last.map(String.init)
            }
            guard port == nil else { break }
            guard Date() < deadline else {
                process.stop(signal: SIGKILL)
                throw BackgroundProcess.TimedOut(waitingFor: "Server is ready", output: text, errors: process.errors)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        url = "nats://127.0.0.1:\(port!)"
    }

    /// Stops the server by its PID (`signal`, then SIGKILL) and removes its folder.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        defer { folder.remove() }
        return process.stop(signal: signal)
    }

    deinit { stop(signal: SIGKILL) }
}
