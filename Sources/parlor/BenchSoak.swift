import ArgumentParser
import Foundation
import ParlorApp
import ParlorBench

extension Parlor.Bench {
    struct Soak: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a live room on a real relay for minutes under churn and bad input; print what held.",
            discussion: """
                Starts `parlor serve` in its own process with a room that stays live (one speaker, \
                --live-listeners listeners) and, until --minutes are up, runs cycles against it: \
                churn in another room (--churn-listeners join, half leave and rejoin, everyone \
                leaves) and a bad-input campaign. Prints a table of the load held, the faults \
                survived, the bad inputs tried, and that nothing was lost; exits 1 if anything \
                was. `make soak MINUTES=N` runs it on a release build.

                Example:
                  parlor bench soak --minutes 10 --churn-listeners 1000
                """)

        @Option(help: "Minutes to run for (at least one cycle runs).")
        var minutes = 5.0

        @Option(help: "Listeners that join each churn cycle.")
        var churnListeners = 500

        @Option(help: "Listeners in the room that stays live.")
        var liveListeners = 20

        @Option(help: "Loss in percent tolerated in the live room and on stable churn listeners.")
        var tolerableLoss = RelaySoak.targetLossPercent

        func validate() throws {
            guard minutes >= 0, churnListeners >= 2, liveListeners >= 1, tolerableLoss >= 0 else {
                throw ValidationError("--minutes and --tolerable-loss must not be negative, --churn-listeners at least 2, --live-listeners at least 1")
            }
        }

        func run() throws {
            let result = try RelaySoak.run(.init(minutes: minutes, churnListeners: churnListeners, liveListeners: liveListeners,
                                                  tolerableLossPercent: tolerableLoss)) {
                RelayService.printLine($0)
            }
            print(result.text)
            if !result.held { throw ExitCode.failure }
        }
    }
}
