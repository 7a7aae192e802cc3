import ArgumentParser
import ParlorApp

/// The `parlor` command. Subcommands parse their options and delegate to ParlorApp.
@main
struct Parlor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parlor",
        abstract: "Audio rooms in the terminal, through a relay that cannot listen.",
        discussion: """
            Parlor joins, hosts or records audio rooms (a stage of speakers and moderators, an \
            audience, raised hands). Audio and room metadata are end-to-end encrypted; the relay \
            forwards what it cannot read.
            """,
        version: "0.1.0",
        subcommands: [Host.self, Join.self, Listen.self, Speak.self, Serve.self, Doctor.self, Devices.self, Keys.self, Bench.self])

    /// Signals have one owner, installed before anything else runs (`ProcessSignals`: SIGPIPE
    /// ignored, SIGINT and SIGTERM handed to the face or relay running, recordings finalised).
    static func main() async {
        ProcessSignals.install()
        await main(nil)
    }
}
