import ArgumentParser
import Foundation
import ParlorApp

extension Parlor {
    struct Listen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Listen to a room without a screen: events as JSON lines, audio to Ogg Opus or WAV files.",
            discussion: """
                Joins the room in LINK as a member of the audience and prints one JSON object a \
                line on stdout for everything that happens (joined, member_joined, member_left, \
                speaker_added, speaker_removed, speaking_started, speaking_stopped, hand_raised, \
                hand_lowered, muted, unmuted, room_ended, reconnecting, reconnected, error, …). \
                Commands are read from stdin, one JSON object a line, e.g. \
                {"command":"raise_hand"}. docs/HEADLESS.md describes every event and command.

                It leaves when the room ends, after --duration, or on Ctrl-C or SIGTERM; WAV files \
                are always finalised. --out takes FILE.opus (Ogg Opus) or FILE.wav; --per-speaker writes each \
                speaker's Opus frames as received, not re-encoded, one Ogg Opus file each (or decoded WAVs \
                and mix.wav with --per-speaker-format wav). Exit status: 0 left or room ended, 3 removed by a moderator, \
                4 could not join or lost the relay for good, 64 a bad option or link.

                Examples:
                  parlor listen 'parlor://relay.example.org:7700/#AQ…' --out room.opus --duration 3600
                  parlor listen "$LINK" --no-audio | jq -r 'select(.event=="speaking_started") | .member.name'
                """)

        @Argument(help: "The room's invite link (parlor://…).")
        var link: String

        @OptionGroup var name: NameOption

        @Option(help: "Write what you hear (the mix) to this file: FILE.opus (Ogg Opus) or FILE.wav (48 kHz mono).")
        var out: String?

        @Option(help: "Write one file per speaker into this folder, named by member id, all on one timeline.")
        var perSpeaker: String?

        @Option(help: "opus: each speaker's frames as received (Ogg Opus); wav: decoded, plus mix.wav.")
        var perSpeakerFormat: RecordingFormat = .opus

        @OptionGroup var events: EventsOption

        @Option(help: "Leave after this many seconds.")
        var duration: Double?

        @Flag(help: "Do not decode audio; follow events only.")
        var noAudio = false

        func run() throws {
            throw ExitCode(FaceError.exitStatus {
                try HeadlessFaces.listen(link: link, name: name.name, out: out, perSpeaker: perSpeaker,
                                         perSpeakerFormat: perSpeakerFormat, events: events.events,
                                         duration: duration, noAudio: noAudio)
            })
        }
    }
}

extension RecordingFormat: ExpressibleByArgument {}
