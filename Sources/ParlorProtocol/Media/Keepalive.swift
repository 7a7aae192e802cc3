/// What the plaintext of a keepalive datagram (type 2) may carry (docs/PROTOCOL.md §5). The relay
/// answers every keepalive; the length of what it carries says what it is.
public enum Keepalive {
    /// A probe id's length: a keepalive carrying one is answered with the same bytes but does not
    /// make UDP fresh, so the relay keeps sending media by TCP until the path works both ways.
    public static let probeLength = 8
    /// A loss report's length: one byte, the share of media the sender lost lately.
    public static let lossReportLength = 1
    /// The largest loss figure, in percent.
    public static let maxLossPercent: UInt8 = 100
    /// The loss figure that means "none": nothing heard, or nobody reported. Any figure above
    /// `maxLossPercent` reads as this.
    public static let noLossFigure: UInt8 = 255

    /// A loss figure as sent: `fraction` (0...1) in whole percent, or `noLossFigure` for nil.
    public static func lossFigure(_ fraction: Double?) -> UInt8 {
        guard let fraction else { return noLossFigure }
        return UInt8(min(Double(maxLossPercent), max(0, (fraction * 100).rounded())))
    }

    /// A loss figure as received: the fraction lost, or nil for none (or out of range).
    public static func lossFraction(_ figure: UInt8) -> Double? {
        figure <= maxLossPercent ? Double(figure) / 100 : nil
    }
}
