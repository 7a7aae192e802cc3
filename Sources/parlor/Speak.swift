import ArgumentParser
import ParlorApp

extension Parlor {
    struct Speak: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Speak a WAV file into a room, in real time, with a speak link.",
            discussion: """
                Joins the room with the speaker grant inside a speak link and sends the file as \
                it would come from a microphone: 48 kHz mono, 20 ms Opus frames, constant bitrate. \
                Events are printed as JSON lines on stdout and commands read from stdin, as for \
                `parlor listen`. It leaves shortly after the end of the file (or never, with --loop).

                Example:
                  sox talk.mp3 -r 48000 -c 1 -b 16 talk.wav
                  parlor speak "$SPEAK_LINK" --input talk.wav --name 'Radio Ada'
                """)

        @Argument(help: "The room's speak link (the host's speak_link).")
        var link: String

        @Option(help: "The WAV file to speak (48 kHz, mono, 16-bit).")
        var input: String

        @OptionGroup var name: NameOption

        @Flag(help: "Start the file again at its end, until stopped.")
        var loop = false

        @Option(help: "Opus bitrate in bit/s, 16000 to 64000.")
        var bitrate: Int32 = 32_000

        @Flag(inversion: .prefixedNo, help: "Opus in-band forward error correction.")
        var fec = true

        @Option(help: "The packet loss Opus prepares its FEC for, in percent (default: follows the loss measured).")
        var expectedLoss: Int32?

        func validate() throws {
            guard (16_000...64_000).contains(bitrate) else { throw ValidationError("--bitrate must be from 16000 to 64000") }
            if let expectedLoss, !(0...100).contains(expectedLoss) { throw ValidationError("--expected-loss must be from 0 to 100") }
        }

        func run() throws {
            var audio = HeadlessFaces.AudioOptions()
            audio.bitrate = bitrate
            audio.fec = fec
            audio.expectedLossPercent = expectedLoss
            throw ExitCode(FaceError.exitStatus { try HeadlessFaces.speak(link: link, input: input, name: name.name, loop: loop, audio: audio) })
        }
    }
}
