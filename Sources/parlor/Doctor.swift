import ArgumentParser
import ParlorApp

extension Parlor {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check what Parlor needs: libraries, sound devices, real-time priority, terminal.",
            discussion: """
                Run this when there is no sound. It prints one line a check: the versions of \
                libopus, libsodium, alsa-lib and ncurses; whether AES-256-GCM runs in hardware; \
                whether the audio thread can have real-time priority (and why not); the ALSA \
                capture and playback devices, or that there is no sound card and Parlor will run \
                silent; whether the terminal does UTF-8 and how many colours.

                Exit status: 0 when Parlor can run (also without a sound card), 1 when something \
                it needs is missing; the line marked ✗ says what.

                Example:
                  parlor doctor
                """)

        func run() throws {
            let report = ParlorApp.Doctor.run()
            print(report.text)
            if !report.canRun { throw ExitCode(1) }
        }
    }
}
