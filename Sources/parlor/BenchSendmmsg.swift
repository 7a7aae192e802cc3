import ArgumentParser
import ParlorBench

extension Parlor.Bench {
    struct Sendmmsg: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The kernel's floor under the relay's fan-out: CPU per datagram sent with sendmmsg.",
            discussion: """
                Sends 100 datagrams of 160 bytes on loopback to each of N receiving sockets (their \
                buffers hold them all, and the count delivered is printed) through the relay's \
                own batch sender, and prints the sending thread's CPU time per datagram: what \
                `parlor bench relay`'s CPU per forwarded packet is read against.

                Example:
                  parlor bench sendmmsg --receivers 1000
                """)

        @Option(help: "Receiving sockets the datagrams are spread over.")
        var receivers = 1_000

        func validate() throws {
            guard receivers >= 3 else { throw ValidationError("--receivers must be at least 3") }
        }

        func run() throws {
            print(SendmmsgBenchmark.text(try SendmmsgBenchmark.run(receivers: receivers)))
        }
    }
}
