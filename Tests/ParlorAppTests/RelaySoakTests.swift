import Foundation
import ParlorBench
import ParlorTestSupport
import Testing

/// The soak end to end, as short as it goes (one cycle): the table has every row and the soak
/// held. (`make soak MINUTES=N` runs it for real.)
@Suite struct RelaySoakTests {
    /// Loss tolerated here: the soak's target is 0.1 %, but a loaded 2-core machine running a
    /// debug build and other suites may starve the relay for a moment.
    static let tolerableLoss = "2"

    @Test func oneCycleOfChurnAndBadInputLosesNothingAndPrintsTheTable() throws {
        let result = try Command.run([try ParlorBinary.path(), "bench", "soak", "--minutes", "0", "--churn-listeners", "40",
                                      "--live-listeners", "4", "--tolerable-loss", Self.tolerableLoss])
        for row in ["load held", "faults survived", "bad inputs tried", "nothing lost", "sessions left open after cycles: 0"] {
            #expect(result.stdout.contains(row), "no \(row) in \(result.stdout)")
        }
        let verdict = try #require(result.stdout.split(separator: "\n").last)
        #expect(verdict.hasSuffix("held"), "\(result.stdout)")
    }

    /// The soak's leak check: a heap that creeps up by 100 KiB a cycle fails it, one that wanders
    /// within the figures README gives (3.5–4.0 MiB) passes.
    @Test func aHeapThatKeepsGrowingFailsTheSoak() {
        let creeping = (0..<22).map { 3_600 + 100 * $0 }
        let wandering = (0..<22).map { 3_600 + [0, 400, 150, 300, 50][$0 % 5] }
        #expect(RelaySoak.growth(creeping) > RelaySoak.tolerableHeapGrowthKiB)
        #expect(abs(RelaySoak.growth(wandering)) < RelaySoak.tolerableHeapGrowthKiB / 4)
        #expect(RelaySoak.growth([3_600, 9_000]) == 0, "two cycles show no trend")
        #expect(abs(RelaySoak.growth(creeping) - 2_100) < 1, "the line's rise from the first cycle to the last")
    }
}
