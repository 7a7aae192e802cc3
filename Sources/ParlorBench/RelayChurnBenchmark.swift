import Foundation
import Glibc
import ParlorCrypto
import ParlorProtocol
import ParlorServer

/// `parlor bench churn`: a real relay in its own process (`parlor serve`) while one speaker talks:
/// listeners join over `joinSeconds`; then every other one (the churners) leaves — half of those
/// with a `leave` message, half by just closing — and joins again as a new session, over
/// `churnSeconds`; then everyone leaves. Measures the relay's memory at its baseline, at its peak
/// and after everyone left, the sessions its metrics still count open at the end, and the loss on
/// the listeners that never churned: the frames each heard of those sent while it was in the
/// room (`HeardFrameTally`).
public enum RelayChurnBenchmark {
    public struct Options: Sendable {
        public var listeners: Int
        public var joinSeconds: Double
        public var churnSeconds: Double
        public init(listeners: Int, joinSeconds: Double, churnSeconds: Double) {
            self.listeners = listeners
            self.joinSeconds = joinSeconds
            self.churnSeconds = churnSeconds
        }
    }

    public struct Result: Sendable {
        public var listeners = 0, stableListeners = 0, churned = 0
        public var joinSeconds = 0.0, churnSeconds = 0.0
        public var rssBaselineKiB = 0, rssPeakKiB = 0, rssAfterKiB = 0
        /// The anonymous part of the same readings: heap, buffers and stacks, without code pages.
        public var heapBaselineKiB = 0, heapPeakKiB = 0, heapAfterKiB = 0
        public var sessionsOpenAtPeak = 0, sessionsOpenAtEnd = 0
        public var stableExpected = 0, stableReceived = 0
        /// Frames a stable listener heard twice: none, or the relay forwarded something twice.
        public var stableSurplus = 0
        public var framesSent = 0
        public var stableLossPercent: Double {
            stableExpected > 0 ? Double(max(stableExpected - stableReceived, 0)) * 100 / Double(stableExpected) : 0
        }

        /// One JSON object on one line, for scripts.
        public var json: String {
            func f(_ x: Double) -> String { String(format: "%.3f", x) }
            return "{\"listeners\":\(listeners),\"stable_listeners\":\(stableListeners),\"churned\":\(churned),"
                + "\"join_seconds\":\(f(joinSeconds)),\"churn_seconds\":\(f(churnSeconds)),"
                + "\"rss_baseline_kib\":\(rssBaselineKiB),\"rss_peak_kib\":\(rssPeakKiB),\"rss_after_kib\":\(rssAfterKiB),"
                + "\"heap_baseline_kib\":\(heapBaselineKiB),\"heap_peak_kib\":\(heapPeakKiB),\"heap_after_kib\":\(heapAfterKiB),"
                + "\"sessions_open_peak\":\(sessionsOpenAtPeak),\"sessions_open_end\":\(sessionsOpenAtEnd),"
                + "\"frames_sent\":\(framesSent),\"stable_expected\":\(stableExpected),\"stable_received\":\(stableReceived),\"stable_surplus\":\(stableSurplus),"
                + "\"stable_loss_pct\":\(f(stableLossPercent))}"
        }

        /// The figures for a person.
        public var text: String {
            """
            relay churn: \(listeners) listeners joined in \(String(format: "%.1f", joinSeconds)) s, \(churned) left and rejoined in \(String(format: "%.1f", churnSeconds)) s, \(framesSent) frames spoken
              relay memory:        baseline \(rssBaselineKiB) KiB, peak \(rssPeakKiB) KiB, after everyone left \(rssAfterKiB) KiB
              of which heap:       baseline \(heapBaselineKiB) KiB, peak \(heapPeakKiB) KiB, after everyone left \(heapAfterKiB) KiB
              sessions open:       \(sessionsOpenAtPeak) at the peak, \(sessionsOpenAtEnd) after everyone left
              stable listeners:    \(stableListeners), loss \(String(format: "%.3f", stableLossPercent)) % (heard \(stableReceived) of the \(stableExpected) frames owed them, \(stableSurplus) twice)
            """
        }
    }

    /// A keepalive from every listener this often, as clients do (the relay falls back to TCP
    /// media for a member it has not heard by UDP for 15 s).
    static let keepaliveSeconds = 5.0
    /// How often the main loop looks at the clock, the relay's memory and due keepalives.
    static let tickSeconds = 0.01
    /// Steady seconds after the churn before everyone leaves.
    static let holdSeconds = 2.0
    /// How long an emptied relay is left before its memory is read: it gives freed memory back
    /// a second after most of its sessions went (`RelayCore.memoryReturnDelay`).
    static let settleSeconds = 2.0
    /// How long the relay may take to close the sessions of clients that left.
    static let closeTimeoutSeconds = 15.0

    public static func run(_ options: Options, progress: (String) -> Void = { _ in }) throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parlor-churn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let relay = try startRelay(in: dir, members: options.listeners * 2)
        defer { relay.stop() }
        progress("relay pid \(relay.pid) on port \(relay.port)")
        var result = Result()
        result.rssBaselineKiB = relay.rssKiB()
        result.heapBaselineKiB = relay.heapKiB()
        try round(options, on: relay, into: &result, progress: progress)
        return result
    }

    /// Starts `parlor serve` configured for `members` sessions at once, all from 127.0.0.1.
    static func startRelay(in directory: URL, members: Int) throws -> RelayProcess {
        try """
            max_members_per_room = \(members + 10)
            max_sessions = \(members + 10)
            idle_timeout_seconds = 3600
            # every listener comes from 127.0.0.1 (see `parlor bench relay`)
            handshakes_per_second = 1_000_000
            """.write(to: directory.appendingPathComponent("relay.conf"), atomically: true, encoding: .utf8)
        return try RelayProcess(directory: directory)
    }

    /// One round in a new room on `relay`: join, churn, hold, everyone leaves. Fills in everything
    /// but the baseline; `sessionsOpenAtEnd` is what the relay counts open once this round's
    /// sessions are closed (others, of rooms that stay, included).
    static func round(_ options: Options, on relay: RelayProcess, into result: inout Result,
                      progress: (String) -> Void) throws {
        let sessionsBefore = try relay.metric("parlor_relay_sessions_open")
        result.listeners = options.listeners
        var peak = relay.rssKiB()
        var heapPeak = relay.heapKiB()
        let room = try BenchRoom()
        let speaker = PacedSpeaker(try host(room: room, port: relay.port, relayKey: relay.key))
        let tally = HeardFrameTally()
        speaker.start()
        tally.start()

        func join() throws -> RelaySocketSession {
            let listener = try RelaySocketSession(port: relay.port, relayKey: relay.key)
            _ = try listener.join(room: room)
            try listener.setUpMedia()
            return listener
        }
        var listeners: [RelaySocketSession] = []
        var nextKeepalive = Date().addingTimeInterval(keepaliveSeconds)
        /// Runs `step(i)` for i in 0..<count, spread evenly over `seconds`, keeping everyone alive.
        func paced(_ count: Int, over seconds: Double, _ step: (Int) throws -> Void) throws -> Double {
            let start = Date()
            var done = 0
            while done < count {
                let due = min(count, Int(Date().timeIntervalSince(start) / seconds * Double(count)) + 1)
                while done < due {
                    try step(done)
                    done += 1
                }
                if Date() >= nextKeepalive {
                    for listener in listeners { try listener.sendKeepalive() }
                    nextKeepalive = Date().addingTimeInterval(keepaliveSeconds)
                }
                peak = max(peak, relay.rssKiB())
                heapPeak = max(heapPeak, relay.heapKiB())
                Thread.sleep(forTimeInterval: tickSeconds)
            }
            return Date().timeIntervalSince(start)
        }

        // Listeners join; the even ones stay to the end and are counted.
        result.joinSeconds = try paced(options.listeners, over: options.joinSeconds) { i in
            let listener = try join()
            if i % 2 == 0 { tally.add(listener, speaker: speaker) }
            listeners.append(listener)
        }
        result.stableListeners = (options.listeners + 1) / 2
        progress("\(options.listeners) listeners joined in \(String(format: "%.1f", result.joinSeconds)) s")

        // The odd ones leave and rejoin as new sessions.
        let churners = Array(stride(from: 1, to: options.listeners, by: 2))
        result.churnSeconds = try paced(churners.count, over: options.churnSeconds) { n in
            let position = churners[n]
            if n % 2 == 0 { try listeners[position].send(.leave) }
            listeners[position] = try join()
        }
        result.churned = churners.count
        progress("\(churners.count) listeners left and rejoined in \(String(format: "%.1f", result.churnSeconds)) s")
        _ = try paced(Int(holdSeconds / tickSeconds), over: holdSeconds) { _ in }
        result.sessionsOpenAtPeak = try relay.metric("parlor_relay_sessions_open")
        result.rssPeakKiB = max(peak, relay.rssKiB())
        result.heapPeakKiB = max(heapPeak, relay.heapKiB())

        result.framesSent = speaker.stop()
        let figures = tally.finish(framesSent: result.framesSent)
        result.stableExpected = figures.expected
        result.stableReceived = figures.received
        result.stableSurplus = figures.surplus

        // Everyone leaves: the relay must close every session; its memory is read after.
        listeners.removeAll()
        let closeDeadline = Date().addingTimeInterval(closeTimeoutSeconds)
        repeat {
            result.sessionsOpenAtEnd = try relay.metric("parlor_relay_sessions_open")
            if result.sessionsOpenAtEnd == sessionsBefore { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < closeDeadline
        Thread.sleep(forTimeInterval: settleSeconds)
        result.rssAfterKiB = relay.rssKiB()
        result.heapAfterKiB = relay.heapKiB()
    }

    /// The room's host, who speaks: it created the room and set up media.
    static func host(room: BenchRoom, port: UInt16, relayKey: [UInt8]) throws -> RelaySocketSession {
        let host = try RelaySocketSession(port: port, relayKey: relayKey, member: room.host)
        try host.create(room: room)
        try host.setUpMedia()
        return host
    }
}
