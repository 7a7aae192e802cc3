import Foundation
import Glibc
import ParlorCrypto
import ParlorProtocol
import ParlorServer

/// `parlor bench relay`: a real relay in its own process (`parlor serve`), loaded from this process
/// by real sessions — each listener with its own TCP session and UDP port — while speakers send
/// CBR frames at 50 packets/s. Reads the relay's CPU and memory from /proc and its forwarding count
/// from its metrics endpoint.
public enum RelayBenchmark {
    public struct Options: Sendable {
        public var listeners: Int
        public var speakers: Int
        public var seconds: Double
        public init(listeners: Int, speakers: Int, seconds: Double) {
            self.listeners = listeners
            self.speakers = speakers
            self.seconds = seconds
        }
    }

    public struct Result: Sendable {
        public var listeners = 0, speakers = 0
        public var seconds = 0.0
        public var forwardedPPS = 0.0
        public var relayCPUMicrosecondsPerPacket = 0.0
        public var relayRSSKiBPerListener = 0.0
        public var lossPercent = 0.0
        public var p50RelayDelayMs = 0.0
        public var p99RelayDelayMs = 0.0
        public var setupSeconds = 0.0
        /// Relay CPU seconds per second while media flowed (until the last datagram arrived):
        /// near 1 or above, the relay had no CPU to spare and its delay grows.
        public var relayCPUCores = 0.0

        /// One JSON object on one line, for scripts.
        public var json: String {
            func f(_ x: Double) -> String { String(format: "%.3f", x) }
            return "{\"listeners\":\(listeners),\"speakers\":\(speakers),\"seconds\":\(f(seconds)),"
                + "\"forwarded_pps\":\(f(forwardedPPS)),\"relay_cpu_us_per_packet\":\(f(relayCPUMicrosecondsPerPacket)),"
                + "\"relay_rss_kib_per_listener\":\(f(relayRSSKiBPerListener)),\"loss_pct\":\(f(lossPercent)),"
                + "\"p50_relay_delay_ms\":\(f(p50RelayDelayMs)),\"p99_relay_delay_ms\":\(f(p99RelayDelayMs)),"
                + "\"relay_cpu_cores\":\(f(relayCPUCores))}"
        }

        /// The figures for a person.
        public var text: String {
            """
            relay benchmark: \(listeners) listeners, \(speakers) speaker(s), \(String(format: "%.0f", seconds)) s (set-up took \(String(format: "%.1f", setupSeconds)) s)
              forwarded:           \(String(format: "%.0f", forwardedPPS)) packets/s
              relay CPU:           \(String(format: "%.2f", relayCPUMicrosecondsPerPacket)) µs per forwarded packet (user + system), \(String(format: "%.2f", relayCPUCores)) cores busy
              relay memory:        \(String(format: "%.1f", relayRSSKiBPerListener)) KiB per connected listener
              loss:                \(String(format: "%.3f", lossPercent)) %
              delay through relay: p50 \(String(format: "%.2f", p50RelayDelayMs)) ms, p99 \(String(format: "%.2f", p99RelayDelayMs)) ms
            """
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The frame each speaker sends: its sequence, the send time, padding to a CBR 32 kbit/s frame.
    static let frameBytes = 96

    public static func run(_ options: Options, progress: (String) -> Void = { _ in }) throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parlor-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let members = options.listeners + options.speakers
        try """
            max_members_per_room = \(members + 10)
            max_speakers_per_room = \(max(options.speakers, 1) + 1)
            max_sessions = \(members + 10)
            idle_timeout_seconds = 3600
            # every listener comes from 127.0.0.1: above the handshake rate the per-address
            # cookie rate would pace the set-up, which is not what this measures
            handshakes_per_second = 1_000_000
            """.write(to: dir.appendingPathComponent("relay.conf"), atomically: true, encoding: .utf8)
        let relay = try RelayProcess(directory: dir)
        defer { relay.stop() }
        progress("relay pid \(relay.pid) on port \(relay.port)")

        let setupStart = Monotonic.nanoseconds
        let rssBefore = relay.rssKiB()
        let room = try BenchRoom()
        let host = try RelaySocketSession(port: relay.port, relayKey: relay.key, member: room.host)
        try host.create(room: room)
        try host.setUpMedia()
        var speakers = [host]
        for _ in 1..<max(options.speakers, 1) {
            let speaker = try RelaySocketSession(port: relay.port, relayKey: relay.key)
            _ = try speaker.join(room: room, as: .speaker)
            try speaker.setUpMedia()
            speakers.append(speaker)
        }
        var listeners: [RelaySocketSession] = []
        for i in 0..<options.listeners {
            let listener = try RelaySocketSession(port: relay.port, relayKey: relay.key)
            _ = try listener.join(room: room)
            try listener.setUpMedia()
            listeners.append(listener)
            if (i + 1) % 500 == 0 { progress("\(i + 1) listeners joined") }
        }
        // Moderators hear of every join: read it all so nothing waits in the relay's buffers.
        for speaker in speakers { while (try? speaker.receive(within: 0.3)) != nil {} }
        let rssAfter = relay.rssKiB()
        let setupSeconds = Double(Monotonic.nanoseconds - setupStart) / 1e9

        let receiver = MediaCounter(listeners)
        receiver.start()
        let cpuBefore = relay.cpuSeconds()
        let runStart = Monotonic.nanoseconds
        let forwardedBefore = try relay.forwardedPackets()
        let sent = try send(from: speakers, keepingAlive: listeners, seconds: options.seconds, start: Monotonic.nanoseconds)
        let (received, delays) = receiver.finish()
        let cpuAfter = relay.cpuSeconds()
        let runSeconds = Double(Monotonic.nanoseconds - runStart) / 1e9
        let forwarded = try relay.forwardedPackets() - forwardedBefore

        var result = Result()
        result.listeners = options.listeners
        result.speakers = speakers.count
        result.seconds = options.seconds
        result.setupSeconds = setupSeconds
        result.forwardedPPS = Double(forwarded) / options.seconds
        result.relayCPUMicrosecondsPerPacket = forwarded > 0 ? (cpuAfter - cpuBefore) * 1e6 / Double(forwarded) : 0
        result.relayCPUCores = (cpuAfter - cpuBefore) / runSeconds
        result.relayRSSKiBPerListener = options.listeners > 0 ? Double(rssAfter - rssBefore) / Double(options.listeners) : 0
        let expected = sent * options.listeners
        result.lossPercent = expected > 0 ? max(0, Double(expected - received) * 100 / Double(expected)) : 0
        let sorted = delays.sorted()
        if !sorted.isEmpty {
            result.p50RelayDelayMs = sorted[sorted.count / 2]
            result.p99RelayDelayMs = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        }
        return result
    }

    /// Every speaker sends one frame each 20 ms on an absolute schedule, and every listener a
    /// keepalive each 5 s as clients do; returns the frames sent in all. Each frame starts with
    /// its send time on the wall clock, the clock of the kernel's arrival stamps (`MediaCounter`).
    static func send(from speakers: [RelaySocketSession], keepingAlive listeners: [RelaySocketSession],
                     seconds: Double, start: UInt64) throws -> Int {
        let frames = Int(seconds * 50)
        var payload = [UInt8](repeating: 0, count: frameBytes)
        for frame in 0..<frames {
            var deadline = timespec(tv_sec: Int(start / 1_000_000_000), tv_nsec: Int(start % 1_000_000_000))
            deadline.tv_nsec += frame * 20_000_000
            deadline.tv_sec += deadline.tv_nsec / 1_000_000_000
            deadline.tv_nsec %= 1_000_000_000
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil)
            if frame % 250 == 0 {
                for listener in listeners { try listener.sendKeepalive() }
            }
            for speaker in speakers {
                withUnsafeBytes(of: wallClockNanoseconds.littleEndian) { payload.replaceSubrange(0..<8, with: $0) }
                try speaker.sendMedia(payload)
            }
        }
        return frames * speakers.count
    }

    /// CLOCK_REALTIME in nanoseconds: what SO_TIMESTAMPNS stamps arrivals with.
    static var wallClockNanoseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
