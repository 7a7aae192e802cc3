/// Reads values out of the relay's metrics page (the Prometheus text exposition format).
public enum PrometheusText {
    /// The value of the sample named exactly `name` (labels included, as in
    /// `parlor_relay_dropped_total{reason="oversize"}`), or nil when the page has no such line.
    public static func value(_ name: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// The sample name of a drop counter for one reason.
    public static func dropped(_ reason: String) -> String {
        "parlor_relay_dropped_total{reason=\"\(reason)\"}"
    }
}
