import Foundation
import Glibc

/// Drives a program in a detached tmux session the way a person at a terminal would: start it in
/// a pane of a given size, type keys, read the screen. Each driver has its own tmux server socket,
/// so tests never touch a user's sessions and can run side by side.
public final class Tmux: @unchecked Sendable {
    public let socket: String
    public let session = "parlor"
    /// The tmux server's process, stopped by PID when the driver stops.
    public private(set) var serverPID: pid_t = 0

    /// Starts `command` (a shell command line) in a `width`×`height` pane with a UTF-8 locale, as a
    /// person's terminal would have it: `NO_COLOR`, `LINES` and `COLUMNS`, which test runners may set
    /// (curses would then ignore resizes), are removed unless given.
    public init(command: String, width: Int = 80, height: Int = 24, environment: [String: String] = [:]) throws {
        socket = "parlor-test-\(UUID().uuidString.prefix(8))"
        var env = ["LANG": "C.UTF-8", "TERM": "tmux-256color"]
        env.merge(environment) { $1 }
        // The pane's program keeps its files in a temporary HOME, never the person's (see `TestHome`).
        env = TestHome.sandboxed(env)
        let exports = env.sorted { $0.key < $1.key }.map { "\($0.key)=\(Tmux.quote($0.value))" }.joined(separator: " ")
        try tmux(["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)",
                  "env -u NO_COLOR -u LINES -u COLUMNS \(exports) \(command); sleep 600"])
        try tmux(["set-option", "-t", session, "remain-on-exit", "on"])
        serverPID = pid_t(try tmux(["display-message", "-p", "-t", session, "#{pid}"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    deinit { stop() }

    /// Types `keys` as tmux key names ("Enter", "Up", "C-c") or, with `literal`, as text.
    public func send(_ keys: String, literal: Bool = false) throws {
        try tmux(["send-keys", "-t", session] + (literal ? ["-l", keys] : [keys]))
    }

    /// The pane's text now, one line a row.
    public func screen(withEscapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-t", session] + (withEscapes ? ["-e"] : [])).stdout
    }

    /// Polls the screen until `predicate` holds or `timeout` seconds pass; returns the last screen.
    @discardableResult
    public func waitForScreen(timeout: Double = 10, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        repeat {
            last = try screen()
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return last
    }

    /// Runs a tmux command on this driver's server (`show-buffer`, `capture-pane -J`, options).
    @discardableResult
    public func run(_ arguments: [String]) throws -> Command.Result {
        try tmux(arguments)
    }

    /// Resizes the pane's window.
    public func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Kills the server, and with it the pane's processes, by PID; then removes its socket.
    public func stop() {
        guard serverPID > 0 else { return }
        _ = try? Command.runAllowingFailure(["tmux", "-L", socket, "kill-server"])
        kill(serverPID, SIGKILL)
        serverPID = 0
        try? FileManager.default.removeItem(atPath: "/tmp/tmux-\(getuid())/\(socket)")
    }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> Command.Result {
        try Command.run(["tmux", "-L", socket] + arguments)
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
