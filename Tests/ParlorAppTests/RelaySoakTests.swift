import Foundation
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
}
