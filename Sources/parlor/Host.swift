import ArgumentParser
import ParlorApp

extension Parlor {
    struct Host: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Host a new room.",
            discussion: """
                Creates a room and joins it as its host. With no --server, a relay starts inside \
                this process on loopback (rooms on it are reachable from this machine only); with \
                --server, the room lives on that relay, whose key is given by --relay-key (the \
                `relay key:` line `parlor serve` prints) or read from this machine's relay key file.

                Without --headless, the room opens in the terminal: the stage, raised hands, the \
                audience, an event line and the network status; press ? for the keys, i for the \
                invite links to hand out. With no sound card it still runs, silently, and says so.

                With --headless, events are JSON lines on stdout, the first being room_created \
                with the listen_link and the speak_link to hand out; commands are read from stdin \
                (e.g. {"command":"invite_to_stage","member":"1a2b3c4d5e6f"}). Ctrl-C or SIGTERM \
                leaves. See docs/HEADLESS.md.

                Examples:
                  parlor host --title 'Friday tea' --name Zoë
                  parlor host --headless --title 'Friday tea' | tee events.jsonl
                """)

        @Flag(help: "Run without a screen: JSON-lines events on stdout, commands on stdin.")
        var headless = false

        @Option(help: "The relay to host on, HOST:PORT (default: a relay in this process); HOST:PORT,HOST:PORT… for nodes of a relay cluster, all named in the links.")
        var server: String?

        // Keys are base64url and may start with '-': take the next word whatever it looks like.
        @Option(parsing: .unconditional, help: "The relay's public key (what `parlor serve` printed as `relay key:`).")
        var relayKey: String?

        @Option(help: "The room's title, sealed so only members can read it.")
        var title: String = "Parlor room"

        @OptionGroup var name: NameOption

        @Flag(help: "List the room (its title and listener count) in the relay's public directory.")
        var `public` = false

        @OptionGroup var events: EventsOption

        @OptionGroup var screen: ScreenOptions

        @Option(help: "Bring in demo guests: a speaker saying this WAV file (48 kHz mono) and a listed audience, one of whom raises a hand.")
        var demo: String?

        @Option(help: "With --headless: end hosting after this many seconds.")
        var duration: Double?

        func run() async throws {
            guard headless else {
                guard duration == nil else { throw ValidationError("--duration goes with --headless; in the terminal, q leaves") }
                var options = screen.options(name: name, events: events, listed: `public`)
                options.demoSpeech = demo
                throw ExitCode(await FaceError.exitStatus {
                    try await TerminalFaces.host(server: server, relayKey: relayKey, title: title, options: options)
                })
            }
            guard demo == nil else { throw ValidationError("--demo is for the terminal face; drop --headless") }
            throw ExitCode(await FaceError.exitStatus {
                try await HeadlessFaces.host(server: server, relayKey: relayKey, title: title, name: name.name,
                                             listed: `public`, events: events.events, duration: duration)
            })
        }
    }
}
