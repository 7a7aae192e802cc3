/// The loudness of a stream, for the talking indicators and the microphone meter: the RMS and
/// peak of each frame in dBFS, with a peak that falls back slowly (about 20 dB a second at 20 ms
/// frames) so that a meter does not flicker. Computed on the client, after decryption.
public struct LevelMeter: Sendable, Equatable {
    /// The quietest level reported; silence reads as this.
    public static let floor: Float = -96
    /// Above this RMS level a speaker counts as talking.
    public static let talkingThreshold: Float = -45
    /// dB the held peak falls per frame.
    public var peakFallPerFrame: Float = 0.4

    /// RMS of the last frame, dBFS.
    public private(set) var rms: Float = LevelMeter.floor
    /// The held peak, dBFS.
    public private(set) var peak: Float = LevelMeter.floor

    public init() {}

    /// Whether the last frame was loud enough to show as talking.
    public var isTalking: Bool { rms > LevelMeter.talkingThreshold }

    /// Measures one frame of samples.
    public mutating func measure(_ frame: UnsafeBufferPointer<Int16>) {
        guard !frame.isEmpty else { return }
        var sum: Float = 0
        var largest: Float = 0
        for s in frame {
            let x = Float(s) / 32_768
            sum += x * x
            largest = max(largest, abs(x))
        }
        rms = LevelMeter.decibels((sum / Float(frame.count)).squareRoot())
        peak = max(LevelMeter.decibels(largest), peak - peakFallPerFrame)
    }

    static func decibels(_ amplitude: Float) -> Float {
        amplitude > 0 ? max(20 * log10f(amplitude), floor) : floor
    }
}

import Glibc
