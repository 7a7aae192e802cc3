/// The protocol's timers, in one place (as wireguard-go's constants.go), in nanoseconds of a
/// monotonic clock. docs/PROTOCOL.md §5 and §6.3 describe what each governs.
///
/// How they relate, for one client and the relay:
///
///     client                                          relay
///     every 0.5 s (`RoomClient.keepaliveTicks`)       answers every probe and keepalive, by UDP
///       while UDP is not known to work: a probe ────▶   (a probe does not make UDP fresh)
///     every keepaliveInterval (2 s) once it works:
///       a keepalive with a loss report ─────────────▶  sends media by UDP while the last keepalive
///                                                        or media datagram is younger than
///     UDP works while the relay's last datagram is       relayUDPFreshness (15 s = 7½ keepalives);
///       younger than clientUDPFreshness (6 s = three     after that, over the control session
///       keepalive answers missed); then media goes
///       over the control session and probes resume
///
/// The client gives up on UDP first (6 s < 15 s): it stops sending keepalives and goes back to
/// probes, which do not refresh the relay's clock, so the relay follows at most 15 s later. The
/// loss reports ride the keepalives: the client measures its loss over the last 2 s (one keepalive
/// interval, `MediaPipeline.fecAdaptationTicks`), and the relay (`MediaPlane.lossReportFreshness`)
/// and a speaker (`MediaPipeline.listenersLossFreshness`) count a report for 10 s, five keepalives.
public enum ProtocolConstants {
    /// One second in nanoseconds.
    public static let second: Int64 = 1_000_000_000

    /// How often a client whose UDP works sends a keepalive (with its loss report).
    public static let keepaliveInterval: Int64 = 2 * second
    /// How long after the relay's last datagram a client still counts UDP as working: three
    /// keepalive answers missed.
    public static let clientUDPFreshness: Int64 = 3 * keepaliveInterval
    /// How long after a member's last authenticated datagram (a probe excepted) the relay still
    /// sends it media by UDP (docs/PROTOCOL.md §6.3).
    public static let relayUDPFreshness: Int64 = 15 * second
}
