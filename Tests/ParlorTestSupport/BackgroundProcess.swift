import Foundation
import Glibc

/// A long-running program started for a test (a relay, a listener): its output goes to files the
/// test can poll, and it is stopped by PID — SIGTERM first, SIGKILL if it does not go.
public final class BackgroundProcess: @unchecked Sendable {
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    private var exitStatus: Int32?
    /// The write end of the program's stdin, when it was started `withInput`.
    private var input: FileHandle?

    /// Starts the program; with `withInput`, its stdin is a pipe that `send` writes lines to
    /// (otherwise /dev/null).
    public init(_ arguments: [String], environment: [String: String] = [:], in directory: TemporaryDirectory,
                withInput: Bool = false) throws {
        stdoutPath = directory.path("\(UUID().uuidString).out")
        stderrPath = directory.path("\(UUID().uuidString).err")
        guard withInput else {
            pid = try Command.spawn(arguments, environment: environment, stdout: stdoutPath, stderr: stderrPath)
            return
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw Command.SpawnFailure(command: ["pipe"], code: errno) }
        defer { close(ends[0]) }
        pid = try Command.spawn(arguments, environment: environment, stdinPipe: (ends[0], ends[1]), stdout: stdoutPath, stderr: stderrPath)
        input = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
    }

    deinit {
        try? input?.close()
        stop()
    }

    /// Writes one line to the program's stdin.
    public func send(_ line: String) {
        input?.write(Data((line + "\n").utf8))
    }

    /// Waits up to `timeout` seconds for the program to exit by itself; its exit status, or nil.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = try? exited() { return status }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    /// Waits until stdout has a line containing `text`; returns that line.
    public func waitForLine(containing text: String, timeout: Double = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = output.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            if let status = try? exited() { throw Exited(status: status, errors: errors) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TimedOut(waitingFor: text, output: output, errors: errors)
    }

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
