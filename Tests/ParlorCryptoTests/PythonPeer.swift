import Foundation
import Glibc

/// Python running `noise_peer.py` in the background. It is started with posix_spawn, and
/// `finish()` waits for it by PID, killing it if it outlives the timeout.
final class PythonPeer {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let folder: URL
    private let pid: pid_t
    private var reaped = false

    /// Starts the peer with the arguments `arguments(folder)` gives; `folder` is where its
    /// output and any file it writes belong.
    init(arguments: (_ folder: URL) -> [String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("parlor-noise-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, folder.appendingPathComponent("stdout").path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, folder.appendingPathComponent("stderr").path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = (["python3", Fixture.url("noise_peer.py").path] + arguments(folder)).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "python3", &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure(description: "cannot start python3: \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    deinit {
        if !reaped { kill(pid, SIGKILL); waitpid(pid, nil, 0) }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Polls for a file the peer writes (its listening port), up to `seconds`.
    func waitForFile(_ name: String, seconds: Double = 20) throws -> String {
        let path = folder.appendingPathComponent(name).path
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) { return text }
            usleep(20_000)
        }
        throw Failure(description: "python wrote no \(name): \(output("stderr"))")
    }

    /// Waits for the peer to exit (killing it after `seconds`) and returns its stdout; throws
    /// unless it exited 0.
    func finish(seconds: Double = 20) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                reaped = true
                throw Failure(description: "python did not finish in \(seconds) s")
            }
            usleep(20_000)
        }
        reaped = true
        guard status == 0 else { throw Failure(description: "python exited with status \(status): \(output("stderr"))") }
        return output("stdout").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func output(_ name: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }
}
