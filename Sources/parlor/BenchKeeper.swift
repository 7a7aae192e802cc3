import ArgumentParser
import ParlorBench

extension Parlor.Bench {
    struct Keeper: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What the room's keeper pays to admit members and to rekey a room of N.",
            discussion: """
                Runs the product's room session as a host: takes in N members as a relay announces \
                them (each credential checked: two Ed25519 signatures and the host's link grant), \
                then moves the room to a new epoch (a fresh secret, the signed statement, one sealed \
                box per member, the key_delivery messages). Build with -c release for figures \
                that mean something.

                Example:
                  parlor bench keeper --members 1000,5000
                """)

        @Option(help: "Room sizes to measure, comma-separated.")
        var members = "1000,5000"

        func run() throws {
            let counts = members.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--members must be positive numbers separated by commas, e.g. 1000,5000")
            }
            print(KeeperBenchmark.text(try KeeperBenchmark.run(memberCounts: counts)))
        }
    }
}
