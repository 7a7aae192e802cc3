import ArgumentParser
import ParlorApp

extension Parlor {
    struct Join: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join a room in the terminal with an invite link, or open the hallway.",
            discussion: """
                Opens the room: the stage with who is talking, raised hands (for moderators), the \
                audience, an event line and the network status. h raises your hand, m mutes you on \
                stage, ? lists every key (remappable in $XDG_CONFIG_HOME/parlor/keymap.toml), q \
                leaves. With a speak link you join on the stage. With no sound card it still runs, \
                silently, and says so.

                Without a link it opens the hallway: host a new room, paste a link, or pick a \
                room you joined before (kept, owner-only, in $XDG_DATA_HOME/parlor/rooms.json); \
                with --server, also the rooms that relay lists publicly (hosts list a room with \
                `parlor host --public`, which publishes its listen link).

                Examples:
                  parlor join
                  parlor join --server relay.example.org:7700 --relay-key KEY
                  parlor join 'parlor://relay.example.org:7700/#AQ…' --name 'Quincy' --listed
                """)

        @Argument(help: "The room's invite link (parlor://…); without it, the hallway.")
        var link: String?

        @Option(help: "Without a link: also list the public rooms of this relay, HOST:PORT.")
        var server: String?

        // Keys are base64url and may start with '-': take the next word whatever it looks like.
        @Option(parsing: .unconditional, help: "The relay's public key, with --server (what `parlor serve` printed as `relay key:`).")
        var relayKey: String?

        @OptionGroup var name: NameOption

        @Flag(help: "Let moderators see your name in the audience (otherwise you are only counted).")
        var listed = false

        @OptionGroup var events: EventsOption

        @OptionGroup var screen: ScreenOptions

        func run() async throws {
            let options = screen.options(name: name, events: events, listed: listed)
            guard let link else {
                throw ExitCode(await FaceError.exitStatus {
                    try await TerminalFaces.hallway(options: options, server: server, relayKey: relayKey)
                })
            }
            guard server == nil else { throw ValidationError("--server is for the hallway; a link already names its relay") }
            throw ExitCode(FaceError.exitStatus { try TerminalFaces.join(link: link, options: options) })
        }
    }
}
