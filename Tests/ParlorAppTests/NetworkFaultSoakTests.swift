import Foundation
import ParlorTestSupport
import Testing

/// The long form of `NetworkFaultTests`, run by `make soak` (PARLOR_SOAK_MINUTES=N): one room of
/// real processes in network namespaces goes through cycles of 5 %, 15 % and 30 % loss with
/// 50 ms jitter, one repetition of the speech each, then a 10 s partition, for N minutes. Every
/// lossy repetition is scored with PESQ-WB, every partition timed until speech is back; nobody
/// may be lost from the roster. Prints one row per cycle.
@Suite(.serialized) struct NetworkFaultSoakTests {
    /// How long to soak, from PARLOR_SOAK_MINUTES; nil (the suite does not run) when unset.
    static var minutes: Double? { ProcessInfo.processInfo.environment["PARLOR_SOAK_MINUTES"].flatMap(Double.init) }
    static let partitionSeconds = 10.0

    struct Cycle {
        var repetitions: [(repetition: Int, lossPercent: Double, report: NetworkFaultQueue.Report)] = []
        var scores: [Double] = []
        var partitionDropped = 0
        var speechBackSeconds: Double?
    }

    @Test(.enabled(if: minutes != nil && NetworkNamespaces.shouldRun, "set PARLOR_SOAK_MINUTES (make soak does)"))
    func aRoomRidesOutCyclesOfLossJitterAndPartitions() throws {
        let minutes = try #require(Self.minutes)
        try SpeakingRoom.run("soak") { speaker in
            let (room, net, dir, period) = (speaker.room, speaker.net, speaker.dir, speaker.period)
            let start = speaker.start

            var cycles: [Cycle] = []
            var repetition = 1
            let began = Date()
            while Date().timeIntervalSince(began) < minutes * 60 {
                var cycle = Cycle()
                for pass in NetworkFaultTests.passes {
                    NetworkFaultTests.sleep(until: start(repetition))
                    _ = try room.faults.report()
                    room.faults.impair(lossPercent: pass.lossPercent, jitterMilliseconds: NetworkFaultTests.jitterMilliseconds)
                    NetworkFaultTests.sleep(until: start(repetition + 1))
                    cycle.repetitions.append((repetition, pass.lossPercent, try room.faults.report()))
                    repetition += 1
                }
                // The partition ends a second into a repetition, while the speaker talks; the next
                // cycle starts with the repetition after it.
                room.faults.impair(lossPercent: 0, jitterMilliseconds: 0)
                var disturbed = repetition
                while start(disturbed).addingTimeInterval(1 - Self.partitionSeconds) < Date() { disturbed += 1 }
                NetworkFaultTests.sleep(until: start(disturbed).addingTimeInterval(1 - Self.partitionSeconds))
                try net.cut()
                Thread.sleep(forTimeInterval: Self.partitionSeconds)
                cycle.partitionDropped = try net.heal()
                let healed = Date()
                while cycle.speechBackSeconds == nil, Date().timeIntervalSince(healed) < 20 {
                    if let back = room.events("speaking_started", of: room.listener, member: NamespacedRoom.speakerName)
                        .map(NamespacedRoom.time(of:)).first(where: { $0 > healed }) {
                        cycle.speechBackSeconds = back.timeIntervalSince(healed)
                    }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                repetition = disturbed + 1
                cycles.append(cycle)
            }
            let departures = room.departures, reconnections = room.reconnections
            room.stop()

            let speech = try SpeechFixture.wav().path
            let all = cycles.flatMap(\.repetitions)
            let cuts = try NetworkFaultTests.cut(room.recording, speech: speech, period: period, repetitions: all.map(\.repetition), in: dir)
            var next = 0
            print(String(format: "network soak: %.1f minutes, %d cycles, %d reconnections", Date().timeIntervalSince(began) / 60,
                         cycles.count, reconnections))
            for (number, var cycle) in cycles.enumerated() {
                for _ in cycle.repetitions {
                    cycle.scores.append(try SpeechScore.pesq(reference: speech, degraded: cuts[next], maxLagSeconds: 1.5))
                    next += 1
                }
                let passes = zip(cycle.repetitions, cycle.scores).map { String(format: "%.0f %%: PESQ-WB %.2f", $0.lossPercent, $1) }
                print("  cycle \(number + 1): " + passes.joined(separator: ", ")
                      + String(format: "; 10 s partition (%d packets dropped): speech back %.2f s", cycle.partitionDropped, cycle.speechBackSeconds ?? -1))
                for (pass, score) in zip(NetworkFaultTests.passes, cycle.scores) {
                    #expect(score > pass.floor, "cycle \(number + 1), \(pass.lossPercent) % loss: PESQ-WB \(score)")
                }
                let back = try #require(cycle.speechBackSeconds, "cycle \(number + 1): speech never came back after the partition")
                #expect(back < 2, "cycle \(number + 1): speech back \(back) s after the partition")
            }
            #expect(departures.isEmpty, "nobody lost from the roster: \(departures)")
        }
    }
}
