import Foundation
import ParlorServer

/// `parlor bench soak` (`make soak MINUTES=N`): one relay process for N minutes with a room that
/// stays live throughout, while cycles of churn in another room (`RelayChurnBenchmark.round`:
/// listeners join, half leave — half of those by just closing — and rejoin, everyone leaves) and
/// bad-input campaigns (`BadInputCampaign`) run against it. Prints a table: the load held, the
/// faults survived, the bad inputs tried, and that nothing was lost (no sessions left open, no
/// loss in the live room, memory that stops growing).
public enum RelaySoak {
    public struct Options: Sendable {
        public var minutes: Double
        public var churnListeners: Int
        public var liveListeners: Int
        /// Loss tolerated in the live room and on the churn rooms' stable listeners.
        public var tolerableLossPercent: Double
        public init(minutes: Double, churnListeners: Int, liveListeners: Int,
                    tolerableLossPercent: Double = RelaySoak.targetLossPercent) {
            self.minutes = minutes
            self.churnListeners = churnListeners
            self.liveListeners = liveListeners
            self.tolerableLossPercent = tolerableLossPercent
        }
    }

    /// One cycle's figures.
    public struct Cycle: Sendable {
        public var churn = RelayChurnBenchmark.Result()
        public var attacks: [BadInputCampaign.Attack] = []
        public var leakedSessions = 0
        public var rssKiB = 0
        /// The anonymous part of `rssKiB`: heap, buffers and stacks.
        public var heapKiB = 0
    }

    public struct Result: Sendable {
        public var options: Options
        public var seconds = 0.0
        public var rssBaselineKiB = 0
        public var heapBaselineKiB = 0
        public var cycles: [Cycle] = []
        public var live = LiveRoom.Figures()

        /// Whether the soak held: every bad input counted, no session leaked, the live room and
        /// the churn rooms' stable listeners within the tolerable loss and hearing no frame twice, and the relay's heap with
        /// no upward trend over the cycles.
        public var held: Bool {
            cycles.allSatisfy { $0.leakedSessions == 0 && $0.attacks.allSatisfy(\.isCounted)
                && $0.churn.stableLossPercent <= options.tolerableLossPercent && $0.churn.stableSurplus == 0 }
                && live.received > 0 && live.lossPercent <= options.tolerableLossPercent && live.surplus == 0
                && heapGrowthKiB <= RelaySoak.tolerableHeapGrowthKiB
        }

        /// How much the relay's heap grew over the cycles, by the trend line through the heap
        /// after each cycle.
        public var heapGrowthKiB: Double { RelaySoak.growth(cycles.map(\.heapKiB)) }

        /// The figures as a table for a person.
        public var text: String {
            func pct(_ x: Double) -> String { String(format: "%.3f %%", x) }
            let attacks = Dictionary(grouping: cycles.flatMap(\.attacks), by: \.name)
            let joined = cycles.map { $0.churn.listeners + $0.churn.churned }.reduce(0, +)
            let abrupt = cycles.map { $0.churn.churned / 2 }.reduce(0, +)
            let worstChurnLoss = cycles.map(\.churn.stableLossPercent).max() ?? 0
            var rows: [(String, String)] = [
                ("load held", "live room: 1 speaker, \(options.liveListeners) listeners for \(String(format: "%.0f", seconds)) s, \(live.framesSent) frames"),
                ("", "churn: \(cycles.count) cycle(s) of \(options.churnListeners) listeners, \(joined) joins in all"),
                ("faults survived", "\(abrupt) listeners closed without leaving, \(cycles.count) bad-input campaign(s)"),
            ]
            for name in attacks.keys.sorted() {
                let all = attacks[name]!
                rows.append(("bad inputs tried", "\(name): \(all.map(\.tried).reduce(0, +)) tried, \(all.map(\.counted).reduce(0, +)) counted as \(all[0].reason)"))
            }
            rows += [
                ("nothing lost", "sessions left open after cycles: \(cycles.map(\.leakedSessions).reduce(0, +))"),
                ("", "live room loss \(pct(live.lossPercent)) (heard \(live.received) of \(live.expected) frames owed, \(live.surplus) twice)"),
                ("", "churn rooms' stable listeners: worst loss \(pct(worstChurnLoss))"),
                ("", "relay memory: baseline \(rssBaselineKiB) KiB, after each cycle \(cycles.map { "\($0.rssKiB)" }.joined(separator: ", ")) KiB"),
                ("", "of which heap: baseline \(heapBaselineKiB) KiB, after each cycle \(cycles.map { "\($0.heapKiB)" }.joined(separator: ", ")) KiB"),
                ("", String(format: "heap trend over the cycles: %+.0f KiB (a leak above %.0f)", heapGrowthKiB, RelaySoak.tolerableHeapGrowthKiB)),
                ("verdict", held ? "held" : "FAILED (loss above \(pct(options.tolerableLossPercent)), a session left open, a bad input not counted or the heap growing)"),
            ]
            let width = rows.map(\.0.count).max() ?? 0
            return (["relay soak: \(String(format: "%.1f", seconds / 60)) minutes"]
                + rows.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }).joined(separator: "\n")
        }
    }

    /// Heap growth over a soak's cycles that counts as a leak: the relay's heap after each cycle
    /// stays within 3.5–4.0 MiB over 22 cycles (README), so a trend of 1 MiB is no noise.
    public static let tolerableHeapGrowthKiB = 1_024.0

    /// The rise of the least-squares line through `values` (one a cycle) from the first cycle to
    /// the last; 0 with fewer than 3 cycles, where a trend means nothing.
    public static func growth(_ values: [Int]) -> Double {
        guard values.count >= 3 else { return 0 }
        let n = Double(values.count)
        let meanX = (n - 1) / 2, meanY = Double(values.reduce(0, +)) / n
        var covariance = 0.0, variance = 0.0
        for (x, y) in values.enumerated() {
            covariance += (Double(x) - meanX) * (Double(y) - meanY)
            variance += (Double(x) - meanX) * (Double(x) - meanX)
        }
        return covariance / variance * (n - 1)
    }

    /// Loss the soak tolerates by default in the live room and on stable churn listeners.
    public static let targetLossPercent = 0.1
    /// Seconds each churn round's listeners take to join, and then to churn.
    static let churnPhaseSeconds = 3.0
    /// How long the relay may take to close the campaign's sessions.
    static let closeTimeoutSeconds = 15.0

    public static func run(_ options: Options, progress: (String) -> Void = { _ in }) throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parlor-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let relay = try RelayChurnBenchmark.startRelay(in: dir, members: options.churnListeners * 2 + options.liveListeners + 100)
        defer { relay.stop() }
        progress("relay pid \(relay.pid) on port \(relay.port)")
        var result = Result(options: options)
        result.rssBaselineKiB = relay.rssKiB()
        result.heapBaselineKiB = relay.heapKiB()
        let start = Date()
        let live = try LiveRoom(port: relay.port, relayKey: relay.key, listenerCount: options.liveListeners)
        let liveSessions = options.liveListeners + 1
        repeat {
            var cycle = Cycle()
            try RelayChurnBenchmark.round(.init(listeners: options.churnListeners, joinSeconds: churnPhaseSeconds,
                                                churnSeconds: churnPhaseSeconds), on: relay, into: &cycle.churn) { _ in }
            cycle.attacks = try BadInputCampaign(port: relay.port, relayKey: relay.key) { try relay.metricsText() }.run()
            let deadline = Date().addingTimeInterval(closeTimeoutSeconds)
            var open = try relay.metric("parlor_relay_sessions_open")
            while open != liveSessions && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.1)
                open = try relay.metric("parlor_relay_sessions_open")
            }
            cycle.leakedSessions = open - liveSessions
            Thread.sleep(forTimeInterval: RelayChurnBenchmark.settleSeconds)
            cycle.rssKiB = relay.rssKiB()
            cycle.heapKiB = relay.heapKiB()
            result.cycles.append(cycle)
            progress("cycle \(result.cycles.count): stable loss \(String(format: "%.3f", cycle.churn.stableLossPercent)) %, "
                     + "\(cycle.attacks.filter(\.isCounted).count)/\(cycle.attacks.count) attacks counted, "
                     + "\(cycle.leakedSessions) sessions left, relay \(cycle.rssKiB) KiB (heap \(cycle.heapKiB) KiB)")
        } while Date().timeIntervalSince(start) < options.minutes * 60
        result.live = live.finish()
        result.seconds = Date().timeIntervalSince(start)
        return result
    }
}
