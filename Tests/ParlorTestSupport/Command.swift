import Foundation
import Glibc

/// Runs a program to completion and captures what it printed. For tools tests lean on
/// (tmux, espeak-ng, sox, python3); anything long-running is started and stopped by PID instead.
public struct Command: Sendable {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let command: [String]
        public let result: Result
        public var description: String {
            "\(command.joined(separator: " ")) exited \(result.status): \(result.stderr.suffix(2000))"
        }
    }

    /// Runs `arguments` (the first is looked up on PATH); throws unless it exits 0.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let result = try runAllowingFailure(arguments, environment: environment)
        guard result.status == 0 else { throw Failure(command: arguments, result: result) }
        return result
    }

    /// Runs `arguments` and returns whatever it exited with.
    /// Output goes to files, and the child is spawned and reaped here (see `spawn`).
    public static func runAllowingFailure(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let folder = FileManager.default.temporaryDirectory
        let outPath = folder.appendingPathComponent("parlor-cmd-\(UUID().uuidString).out").path
        let errPath = folder.appendingPathComponent("parlor-cmd-\(UUID().uuidString).err").path
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let pid = try spawn(arguments, environment: environment ?? [:], stdout: outPath, stderr: errPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Result(status: exitStatus(status),
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Starts `arguments` with stdin from /dev/null and stdout and stderr to the given files;
    /// returns its PID for the caller to wait for or stop.
    ///
    /// Foundation's `Process` notices an exit through a descriptor the child inherits, so a program
    /// that leaves a daemon behind (tmux starts its server) would never be seen to exit; this
    /// spawns (posix_spawn) and callers reap (waitpid) themselves.
    /// Starts a program; its stdin is the read end of `stdinPipe` (whose write end it closes) or /dev/null.
    static func spawn(_ arguments: [String], environment: [String: String], stdinPipe: (read: Int32, write: Int32)? = nil,
                      stdout outPath: String, stderr errPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinPipe {
            posix_spawn_file_actions_adddup2(&actions, stdinPipe.read, 0)
            posix_spawn_file_actions_addclose(&actions, stdinPipe.read)
            posix_spawn_file_actions_addclose(&actions, stdinPipe.write)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Never the person's own HOME or XDG folders (see `TestHome`).
        let env = ProcessInfo.processInfo.environment.merging(TestHome.sandboxed(environment)) { $1 }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The child starts with no signal blocked and every signal at its default, as from a shell:
        // test threads block signals, and an inherited mask would hide SIGWINCH from curses.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnFailure(command: arguments, code: rc) }
        return pid
    }

    /// A shell-style exit status from waitpid's: the exit code, or 128 + the signal that ended it.
    static func exitStatus(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    public struct SpawnFailure: Error, CustomStringConvertible {
        public let command: [String]
        public let code: Int32
        public var description: String { "cannot start \(command.first ?? ""): \(String(cString: strerror(code)))" }
    }

    /// Whether `tool` is on PATH.
    public static func exists(_ tool: String) -> Bool {
        (try? runAllowingFailure(["sh", "-c", "command -v \(tool)"]).status) == 0
    }
}
