import ArgumentParser
import ParlorApp
import ParlorBench

extension Parlor.Bench {
    struct Churn: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Listeners join, leave and rejoin a real relay while a speaker talks; memory, leaks and loss.",
            discussion: """
                Starts `parlor serve` in its own process. While one speaker sends 50 frames a \
                second, the listeners join over --join-seconds; then every other listener leaves \
                (half with a leave message, half by closing) and rejoins as a new session over \
                --churn-seconds; then everyone leaves. Prints the relay's memory at its baseline, \
                at its peak and after everyone left, the sessions its metrics count open at the end \
                (0: no leaks), and the loss on the listeners that never left. With --json the last \
                line is one JSON object. Build with -c release for figures that mean something.

                Example:
                  parlor bench churn --listeners 2000 --join-seconds 10 --churn-seconds 10 --json
                """)

        @Option(help: "Listeners to join.")
        var listeners = 2_000

        @Option(help: "Seconds over which the listeners join.")
        var joinSeconds = 10.0

        @Option(help: "Seconds over which half of them leave and rejoin.")
        var churnSeconds = 10.0

        @Flag(help: "End with one JSON object of the figures.")
        var json = false

        func validate() throws {
            guard listeners >= 2, joinSeconds > 0, churnSeconds > 0 else {
                throw ValidationError("--listeners must be at least 2 and the seconds above 0")
            }
        }

        func run() throws {
            let result = try RelayChurnBenchmark.run(.init(listeners: listeners, joinSeconds: joinSeconds,
                                                           churnSeconds: churnSeconds)) {
                RelayService.printLine($0)
            }
            print(result.text)
            if json { print(result.json) }
        }
    }
}
