import Synchronization

/// Counts only: how much the relay forwarded and dropped, and how many rooms and sessions are open.
/// Nothing here can name a room, a member or an address. Lock-free, shared by every event loop.
public final class RelayMetrics: Sendable {
    /// Why a packet or message was dropped; each reason is its own counter.
    public enum DropReason: String, CaseIterable, Sendable {
        case malformed, unauthenticated, replayed, unknownReceiver = "unknown_receiver"
        case notSpeaker = "not_speaker", forbidden, rateLimited = "rate_limited", oversize
        case limitReached = "limit_reached", handshakeFailed = "handshake_failed", sendFailed = "send_failed"
        /// Media for a member whose control connection is backed up (it does not read): late
        /// audio is worth nothing, and the relay must not hold it.
        case slowReceiver = "slow_receiver"
    }

    /// Gauges and counters that are not drops.
    public enum Counter: String, CaseIterable, Sendable {
        case datagramsReceived = "datagrams_received_total"
        case datagramsForwarded = "datagrams_forwarded_total"
        case tcpMediaForwarded = "tcp_media_forwarded_total"
        case controlMessages = "control_messages_total"
        case handshakes = "handshakes_total"
        case cookieReplies = "cookie_replies_total"
        case roomsCreated = "rooms_created_total"
        case roomsOpen = "rooms_open"
        case sessionsOpen = "sessions_open"
        case membersJoined = "members_joined_total"
        /// In a cluster: rooms this node is the authority for, and how often that changed.
        case roomsLed = "cluster_rooms_led"
        case leaseChanges = "cluster_lease_changes_total"
        /// In a cluster: media payloads this node published for other nodes, and received from them.
        case interNodePacketsSent = "cluster_media_sent_total"
        case interNodePacketsReceived = "cluster_media_received_total"
        /// In a cluster: NATS messages this node sent other nodes with control messages for their
        /// sessions (a batch: all of one change's messages for one node) or to close one.
        case interNodeControlSent = "cluster_control_sent_total"
        /// In a cluster: times this node's NATS connection moved to another server.
        case natsReconnects = "cluster_nats_reconnects_total"
        /// In a cluster: times a led room's rules began to wait because its lease could not be
        /// renewed (the hold ran out while NATS was unreachable), and times its lease was taken
        /// again after it expired meanwhile and the fence showed nobody else had acted.
        case ruleWaits = "cluster_rule_waits_total"
        case leaseRetakes = "cluster_lease_retakes_total"
    }

    /// `Atomic` cannot be copied into an array, so each lives in a small class of its own.
    private final class Cell: Sendable {
        let value = Atomic<Int>(0)
    }

    private let counters: [Cell]
    private let drops: [Cell]

    public init() {
        counters = Counter.allCases.map { _ in Cell() }
        drops = DropReason.allCases.map { _ in Cell() }
    }

    public func add(_ counter: Counter, _ n: Int = 1) {
        counters[Counter.allCases.firstIndex(of: counter)!].value.add(n, ordering: .relaxed)
    }

    public func dropped(_ reason: DropReason, _ n: Int = 1) {
        drops[DropReason.allCases.firstIndex(of: reason)!].value.add(n, ordering: .relaxed)
    }

    public func value(_ counter: Counter) -> Int {
        counters[Counter.allCases.firstIndex(of: counter)!].value.load(ordering: .relaxed)
    }

    public func value(_ reason: DropReason) -> Int {
        drops[DropReason.allCases.firstIndex(of: reason)!].value.load(ordering: .relaxed)
    }

    /// The Prometheus text exposition format (version 0.0.4).
    public var prometheusText: String {
        var out = ""
        for counter in Counter.allCases {
            let name = "parlor_relay_\(counter.rawValue)"
            let kind = counter.rawValue.hasSuffix("_total") ? "counter" : "gauge"
            out += "# TYPE \(name) \(kind)\n\(name) \(value(counter))\n"
        }
        out += "# HELP parlor_relay_dropped_total Packets and messages dropped, by reason.\n"
        out += "# TYPE parlor_relay_dropped_total counter\n"
        for reason in DropReason.allCases {
            out += "parlor_relay_dropped_total{reason=\"\(reason.rawValue)\"} \(value(reason))\n"
        }
        return out
    }
}
