import Foundation
import Glibc

/// A long-running program started for a test (a relay, a listener): its output goes to files the
/// test can poll, and it is stopped by PID — SIGTERM first, SIGKILL if it does not go.
public final class BackgroundProcess: @unchecked Sendable {
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    private var exitStatus: Int32?

    public init(_ arguments: [String], environment: [String: String] = [:], in directory: TemporaryDirectory) throws {
        stdoutPath = directory.path("\(UUID().uuidString).out")
        stderrPath = directory.path("\(UUID().uuidString).err")
        pid = try Command.spawn(arguments, environment: environment, stdout: stdoutPath, stderr: stderrPath)
    }

    deinit { stop() }

    public var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var errors: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits until stdout has a line starting with `prefix`; returns the rest of that line.
    public func waitForLine(startingWith prefix: String, timeout: Double = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line.dropFirst(prefix.count))
            }
            if let status = try? exited() { throw Exited(status: status, errors: errors) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TimedOut(waitingFor: prefix, output: output, errors: errors)
    }

    /// Sends `signal` and waits up to `timeout` seconds for the exit; returns the exit status
    /// (128 + signal number if a signal ended it). SIGKILL follows if it does not exit.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Double = 10) -> Int32 {
        if let exitStatus { return exitStatus }
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = try? exited() { return status }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exitStatus = 128 + SIGKILL
        return exitStatus!
    }

    /// The exit status if the process has exited; throws while it runs.
    private func exited() throws -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { throw Running() }
        exitStatus = Command.exitStatus(status)
        return exitStatus!
    }

    struct Running: Error {}
    public struct Exited: Error, CustomStringConvertible {
        public let status: Int32
        public let errors: String
        public var description: String { "exited \(status): \(errors.suffix(2000))" }
    }
    public struct TimedOut: Error, CustomStringConvertible {
        public let waitingFor: String
        public let output: String
        public let errors: String
        public var description: String { "no line \"\(waitingFor)\" in time; stdout: \(output.suffix(1000)) stderr: \(errors.suffix(1000))" }
    }
}
