/// Packet loss over the last few seconds, from the media side's running totals: a glitch a minute
/// ago should not colour the status line for the rest of the stay.
public struct LossWindow: Sendable {
    /// Samples kept: at five a second, the last five seconds.
    public static let samples = 25

    private var totals: [(lost: Int, received: Int)] = []

    public init() {}

    /// Adds the running totals now; returns the share of frames lost since the oldest sample kept,
    /// in percent (0 when nothing was expected).
    public mutating func add(lost: Int, received: Int) -> Double {
        totals.append((lost, received))
        if totals.count > Self.samples + 1 { totals.removeFirst(totals.count - Self.samples - 1) }
        let first = totals[0]
        let lostSince = lost - first.lost
        let expected = lostSince + received - first.received
        return expected > 0 ? Double(lostSince) * 100 / Double(expected) : 0
    }
}
