/// Turns the audio thread's counters into what a person should be told, once: a sound device
/// that keeps failing (unplugged, taken by another program) and bursts of xruns (the machine is
/// too busy for the audio thread). The room goes on either way; this only says what happened.
/// Pure: feed it `AudioEngine.Statistics` samples, show what it returns.
public struct AudioHealth: Sendable, Equatable {
    /// Failed device calls in a row (between two samples, with no period working) that mean the
    /// device is gone rather than hiccuping.
    public static let failuresForLostDevice = 10
    /// Xruns between two samples worth a word.
    public static let xrunsForNotice = 3

    private var last = AudioEngine.Statistics()
    private var deviceLost = false

    public init() {}

    /// The notices for a new sample (usually none).
    public mutating func notices(for sample: AudioEngine.Statistics) -> [String] {
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
        let newXruns = sample.xruns - last.xruns
        if newXruns >= Self.xrunsForNotice {
            notices.append("Audio glitches: \(newXruns) xruns recovered just now (the machine is busy; `parlor doctor` checks real-time priority)")
        }
        return notices
    }
}
