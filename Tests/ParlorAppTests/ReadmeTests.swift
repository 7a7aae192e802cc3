import Foundation
import ParlorTestSupport
import Testing

/// The README's commands, run as a reader would run them.
@Suite(.serialized) struct ReadmeTests {
    /// The README, and its fenced `sh` blocks.
    static func shellBlocks() throws -> [String] {
        let readme = try String(contentsOf: ParlorBinary.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```sh" { current = [] } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    /// Every row of the figure tables (those with a "held by" column) names the command that
    /// prints its figure and what keeps it true: a CI test with the bound it asserts, whose
    /// `--filter` finds a test in this package, or a run by hand with its date.
    @Test func everyFigureNamesItsCommandAndWhatHoldsIt() throws {
        let readme = try String(contentsOf: ParlorBinary.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let tests = try FileManager.default.subpathsOfDirectory(atPath: ParlorBinary.packageRoot.appendingPathComponent("Tests").path)
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: ParlorBinary.packageRoot.appendingPathComponent("Tests/\($0)"), encoding: .utf8) }
            .joined(separator: "\n")
        var inFigures = false, rows = 0
        for line in readme.split(separator: "\n") {
            guard line.hasPrefix("|") else { inFigures = false; continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.last == "held by" { inFigures = true; continue }
            guard inFigures, !cells.allSatisfy({ $0.allSatisfy { $0 == "-" } }) else { continue }
            rows += 1
            #expect(cells.count == 4, "a figure row has four cells: \(line)")
            let how = cells.count > 2 ? cells[2] : "", held = cells.last ?? ""
            #expect(how.contains("`swift test") || how.contains("`parlor ") || how.contains("`make "), "no command: \(line)")
            let byHand = held.range(of: #"^by hand, 20\d\d-\d\d-\d\d"#, options: .regularExpression) != nil
            #expect(byHand || held.hasPrefix("CI: "), "neither a CI bound nor a dated run by hand: \(line)")
            if held.hasPrefix("CI: "), let filter = how.range(of: #"--filter [A-Za-z/]+"#, options: .regularExpression) {
                for name in how[filter].dropFirst("--filter ".count).split(separator: "/") {
                    #expect(tests.contains(String(name)), "`--filter \(name)` finds no test: \(line)")
                }
            }
        }
        #expect(rows >= 20, "the figure tables were found: \(rows) rows")
    }

    /// Every option a README command uses is one its subcommand has.
    @Test func everyOptionInTheReadmeExists() throws {
        let parlor = try ParlorBinary.path()
        var checked = 0
        for block in try Self.shellBlocks() {
            for line in block.split(separator: "\n") where line.hasPrefix("parlor ") || line.contains("| parlor ") || line.contains(" parlor ") {
                let command = line[line.range(of: "parlor ")!.upperBound...]
                let words = command.split(separator: " ")
                guard let sub = words.first else { continue }
                let help = try Command.run([parlor, String(sub), "--help"]).stdout
                #expect(help.contains("USAGE: parlor \(sub)"), "`parlor \(sub)` is not a subcommand")
                for option in words.dropFirst() where option.hasPrefix("--") {
                    #expect(help.contains(String(option)), "`parlor \(sub)` has no \(option)")
                    checked += 1
                }
            }
        }
        #expect(checked > 10)
    }

    /// The script under "Without a screen", as written: it hosts, speaks and listens, and prints
    /// the speaker's name when it talks.
    @Test func theHeadlessScriptRunsAsWritten() throws {
        let block = try #require(try Self.shellBlocks().first { $0.contains("parlor host --headless") })
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bin = URL(fileURLWithPath: try ParlorBinary.path()).deletingLastPathComponent().path
        let env = ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        try block.write(toFile: dir.path("script.sh"), atomically: true, encoding: .utf8)
        let run = try BackgroundProcess(["bash", "-c", "cd '\(dir.url.path)' && bash script.sh"], environment: env, in: dir)
        let status = run.waitForExit(timeout: 60)
        #expect(status == 0, "\(run.errors)")
        #expect(run.output.contains("Ada"), "stdout: \(run.output) stderr: \(run.errors)")
        #expect(try Command.run(["opusinfo", dir.path("room.opus")]).stdout.contains("Opus"))
    }

    /// `parlor serve` and its metrics, as the relay section runs them (on loopback, port chosen by
    /// the kernel, instead of 0.0.0.0:7700 and 9700).
    @Test func theRelaySectionRuns() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let relay = try BackgroundProcess([try ParlorBinary.path(), "serve", "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0",
                                           "--key-file", dir.path("relay.key")], in: dir)
        _ = try relay.waitForLine(startingWith: "relay ready: ")
        let metrics = try relay.waitForLine(startingWith: "metrics: ")
        #expect(try Command.run(["curl", "-s", metrics]).stdout.contains("parlor_relay_sessions_open"))
        #expect(relay.stop() == 0)
        #expect(try Command.run([try ParlorBinary.path(), "doctor"]).stdout.contains("libopus"))
        _ = try Command.run([try ParlorBinary.path(), "devices"])
    }

    /// `--help` reads like a man page for every subcommand: what it does, its options, an example.
    @Test func everySubcommandsHelpSaysWhatItDoesAndShowsAnExample() throws {
        let parlor = try ParlorBinary.path()
        for sub in [["host"], ["join"], ["listen"], ["speak"], ["serve"], ["doctor"], ["devices"], ["keys"], ["bench", "audio"], ["bench", "relay"]] {
            let help = try Command.run([parlor] + sub + ["--help"]).stdout
            let name = sub.joined(separator: " ")
            #expect(help.hasPrefix("OVERVIEW: "), "parlor \(name)")
            #expect(help.contains("USAGE: parlor \(name)"), "parlor \(name)")
            #expect(help.range(of: "Example", options: .caseInsensitive) != nil, "parlor \(name) shows an example")
            #expect(help.contains("OPTIONS:"), "parlor \(name)")
        }
    }
}
