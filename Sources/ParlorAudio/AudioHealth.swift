/// Turns the audio thread's counters into what a person should be told, once: a sound device
/// that keeps failing (unplugged, taken by another program) and bursts of dropouts (xruns, or the
/// audio thread starved because the machine is too busy). The room goes on either way; this only
/// says what happened. Pure: feed it `AudioEngine.Statistics` samples with their times, show what
/// it returns.
public struct AudioHealth: Sendable {
    /// Failed device calls in a row (between two samples, with no period working) that mean the
    /// device is gone rather than hiccuping.
    public static let failuresForLostDevice = 10
    /// Dropouts within `dropoutWindowSeconds` worth a word; a single one is not.
    public static let dropoutsForNotice = 3
    /// The window dropouts are counted over.
    public static let dropoutWindowSeconds = 5.0
    /// The least time between two dropout notices, so a busy machine is not a stream of them.
    public static let secondsBetweenDropoutNotices = 30.0

    private var last = AudioEngine.Statistics()
    private var deviceLost = false
    /// Recent dropouts: when they were seen, and how many.
    private var recentDropouts: [(seconds: Double, count: Int)] = []
    private var lastDropoutNotice: Double?

    public init() {}

    /// The notices for a new sample taken at `seconds` (any monotonic clock; usually none).
    public mutating func notices(for sample: AudioEngine.Statistics, at seconds: Double) -> [String] {
        defer { last = sample }
        var notices: [String] = []
        let newErrors = sample.deviceErrors - last.deviceErrors
        let newPeriods = sample.periods - last.periods
        if !deviceLost, newErrors >= Self.failuresForLostDevice, newErrors >= newPeriods {
            deviceLost = true
            notices.append("The sound device stopped working (\(sample.deviceErrors) failed calls): the room goes on without sound")
        } else if deviceLost, newPeriods > 0, newErrors == 0 {
            deviceLost = false
            notices.append("The sound device works again")
        }
        // A starved thread on a sound card shows as a late wake-up and as xruns: count the larger.
        let dropouts = max(sample.xruns - last.xruns, sample.lateWakeups - last.lateWakeups)
        if dropouts > 0 { recentDropouts.append((seconds, dropouts)) }
        recentDropouts.removeAll { seconds - $0.seconds > Self.dropoutWindowSeconds }
        let inWindow = recentDropouts.map(\.count).reduce(0, +)
        if inWindow >= Self.dropoutsForNotice,
           lastDropoutNotice.map({ seconds - $0 >= Self.secondsBetweenDropoutNotices }) ?? true {
            lastDropoutNotice = seconds
            recentDropouts = []
            notices.append("Audio dropouts: \(inWindow) in the last \(Int(Self.dropoutWindowSeconds)) s; the machine is too busy for "
                           + "the audio thread (`parlor doctor` checks real-time priority). The room goes on")
        }
        return notices
    }
}
