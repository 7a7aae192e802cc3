import Foundation
import ParlorTestSupport
import Testing

/// The churn benchmark end to end, small: listeners join, half leave and rejoin, all leave; the
/// relay must end with no session open and the listeners that stayed must hear the speaker.
/// (`make soak` and `parlor bench churn --listeners 2000` give the figures.)
@Suite struct RelayChurnTests {
    /// Loss allowed on the stable listeners here: frames each heard against the frames sent
    /// while it was in the room. Measured 0.000 % (25,132 and 25,719 of as many, debug build, both
    /// cores busy with builds); the bound is the relay's target.
    static let tolerableLossPercent = 0.1
    /// The share of the heap the room took that the relay must give back once everyone left.
    /// Measured (debug build, 200 listeners, 2-core machine, 3 runs idle and 2 with both cores
    /// busy): the room took 3,260–3,468 KiB and 72–75 % came back (the rest: allocator
    /// fragmentation, lazily made buffers). A relay that returned nothing would keep 0 %.
    static let heapReturnedShare = 0.6

    @Test func listenersThatChurnLeaveNoSessionsBehindAndTheOthersKeepHearing() throws {
        let result = try Command.run([try ParlorBinary.path(), "bench", "churn", "--listeners", "200",
                                      "--join-seconds", "2", "--churn-seconds", "2", "--json"])
        let last = try #require(result.stdout.split(separator: "\n").last)
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(figures["sessions_open_end"] as? Int == 0, "leaked sessions: \(last)")
        #expect(figures["churned"] as? Int == 100)
        #expect(figures["sessions_open_peak"] as? Int == 201, "200 listeners and the host: \(last)")
        let received = try #require(figures["stable_received"] as? Int)
        #expect(received > 0, "the stable listeners heard nothing: \(last)")
        #expect(figures["stable_surplus"] as? Int == 0, "frames heard twice: \(last)")
        let loss = try #require(figures["stable_loss_pct"] as? Double)
        #expect(loss <= Self.tolerableLossPercent, "\(last)")
        for key in ["rss_baseline_kib", "rss_peak_kib", "rss_after_kib"] {
            #expect((figures[key] as? Int ?? 0) > 0, "missing \(key) in \(last)")
        }
        // The relay's heap gives back most of what the room took once everyone left.
        let heapBaseline = try #require(figures["heap_baseline_kib"] as? Int)
        let heapPeak = try #require(figures["heap_peak_kib"] as? Int)
        let heapAfter = try #require(figures["heap_after_kib"] as? Int)
        let taken = heapPeak - heapBaseline, returned = heapPeak - heapAfter
        print("churn: the room took \(taken) KiB of heap, \(returned) KiB given back")
        #expect(taken > 1_024, "200 listeners take more than 1 MiB of the relay's heap: \(last)")
        #expect(Double(returned) >= Self.heapReturnedShare * Double(taken),
                "given back \(returned) of \(taken) KiB, less than \(Int(Self.heapReturnedShare * 100)) %: \(last)")
    }
}
