import Foundation

/// Where programs a test starts keep their files: never the person's own HOME.
///
/// Every program the test support starts (`Command`, `BackgroundProcess`, `Tmux`) gets a
/// temporary `HOME`, `XDG_DATA_HOME` and `XDG_CONFIG_HOME` unless the test gives its own: a
/// `parlor join` run by a test saves its rooms here, a `parlor serve` without `--key-file` its key,
/// and the person's hallway (`$XDG_DATA_HOME/parlor/rooms.json`) never lists a test's rooms.
public enum TestHome {
    /// The temporary HOME of this test process's programs (made once, under the system's temporary
    /// directory).
    public static let path: String = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("parlor-test-home-\(getpid())-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }()

    /// `environment` with HOME, XDG_DATA_HOME and XDG_CONFIG_HOME filled in where the test did not
    /// set them: HOME is the temporary one, and the XDG folders are under whichever HOME the program
    /// gets (the environment the tests run in may name the person's own XDG folders).
    /// The person's own saved rooms, where `parlor join` would keep them for the environment the
    /// tests run in.
    public static var realRoomsFile: String {
        let env = ProcessInfo.processInfo.environment
        let data = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((env["HOME"] ?? "") + "/.local/share")
        return data + "/parlor/rooms.json"
    }

    public static func sandboxed(_ environment: [String: String]) -> [String: String] {
        var env = environment
        let home = env["HOME"] ?? path
        env["HOME"] = home
        if env["XDG_DATA_HOME"] == nil { env["XDG_DATA_HOME"] = home + "/.local/share" }
        if env["XDG_CONFIG_HOME"] == nil { env["XDG_CONFIG_HOME"] = home + "/.config" }
        // Python tools installed with `pip --user` (PESQ, STOI, the Noise peer) are still found.
        if env["PYTHONUSERBASE"] == nil, let realHome = ProcessInfo.processInfo.environment["HOME"] {
            env["PYTHONUSERBASE"] = realHome + "/.local"
        }
        return env
    }
}
