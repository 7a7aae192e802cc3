import ArgumentParser
import Glibc

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

    /// A write to a pipe nobody reads (a sound device that is a pipe and lost its reader, the
    /// events' reader that went away) fails with EPIPE, which the room handles as a device or
    /// output error, instead of killing the process with SIGPIPE mid-room.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        await main(nil)
    }
}
