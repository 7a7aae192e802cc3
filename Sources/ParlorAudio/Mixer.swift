/// Sums speakers' frames, each with its own gain, and soft-limits the sum into 16-bit samples.
///
/// The limiter is linear up to `knee` (of full scale) and above it bends the level smoothly
/// towards full scale with `tanh`, so that several loud speakers at once saturate gently instead
/// of wrapping or clipping hard. The curve is continuous with slope 1 at the knee.
/// Allocates nothing after `init`.
public final class Mixer {
    /// Where the limiter starts to bend, as a fraction of full scale.
    public static let knee: Float = 0.7

    public let frameSamples: Int
    private let sum: UnsafeMutableBufferPointer<Float>

    public init(frameSamples: Int) {
        self.frameSamples = frameSamples
        sum = .allocate(capacity: frameSamples)
        sum.initialize(repeating: 0)
    }

    deinit { sum.deallocate() }

    /// Starts a new frame of silence.
    public func begin() { sum.update(repeating: 0) }

    /// Adds one speaker's frame at `gain` (1 is as received). Extra or missing samples are ignored.
    public func add(_ frame: UnsafeBufferPointer<Int16>, gain: Float = 1) {
        let scale = gain / 32_768
        for i in 0..<min(frame.count, frameSamples) { sum[i] += Float(frame[i]) * scale }
    }

    /// Writes the limited sum into `output`.
    public func finish(into output: UnsafeMutableBufferPointer<Int16>) {
        for i in 0..<min(output.count, frameSamples) {
            output[i] = Int16(Mixer.limit(sum[i]) * 32_767)
        }
    }

    /// The soft limiter: identity within ±`knee`, then a tanh curve approaching ±1.
    public static func limit(_ x: Float) -> Float {
        let magnitude = abs(x)
        guard magnitude > knee else { return x }
        let bent = knee + (1 - knee) * tanhf((magnitude - knee) / (1 - knee))
        return x < 0 ? -bent : bent
    }
}

import Glibc
