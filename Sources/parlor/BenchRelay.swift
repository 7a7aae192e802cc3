import ArgumentParser
import ParlorApp
import ParlorBench

extension Parlor.Bench {
    struct Relay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a real relay with listeners and speakers on loopback and measure it.",
            discussion: """
                Starts `parlor serve` in its own process, joins it from this process with real \
                sessions (each listener has its own TCP session and UDP port), has the speakers \
                send 50 CBR frames a second, and prints: forwarded packets per second, the relay's \
                CPU (user + system) per forwarded packet, its memory per connected listener, loss, \
                and the delay through the relay (p50, p99). With --json the last line is one JSON \
                object. Build with -c release for figures that mean something.

                Example:
                  parlor bench relay --listeners 1000 --speakers 1 --seconds 10 --json
                """)

        @Option(help: "Listeners to connect.")
        var listeners = 1_000

        @Option(help: "Speakers sending at once.")
        var speakers = 1

        @Option(help: "Seconds to measure for.")
        var seconds = 10.0

        @Flag(help: "End with one JSON object of the figures.")
        var json = false

        func validate() throws {
            guard listeners >= 1, speakers >= 1, seconds > 0 else {
                throw ValidationError("--listeners and --speakers must be at least 1 and --seconds above 0")
            }
        }

        func run() throws {
            let result = try RelayBenchmark.run(.init(listeners: listeners, speakers: speakers, seconds: seconds)) {
                RelayService.printLine($0)
            }
            print(result.text)
            if json { print(result.json) }
        }
    }
}
