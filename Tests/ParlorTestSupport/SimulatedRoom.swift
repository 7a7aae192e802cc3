/// What a loudspeaker's sound does on its way back into the microphone of the same laptop: a
/// direct path after `delayMilliseconds` at `gainDecibels`, then reflections whose level decays
/// by 60 dB over `reverberationMilliseconds` (RT60), up to `tailMilliseconds` after the direct
/// path, each at most `reflectionLevel` of the direct path's amplitude (0.35: a laptop whose
/// microphone sits a few centimetres from its loudspeaker hears mostly the direct path, and the
/// room's reflections about 9 dB below it). Reflections are sparse (a few hundred taps at seeded
/// random times), which keeps the convolution cheap in a debug build and still gives the
/// canceller a long, dense-enough tail.
public struct SimulatedRoom {
    public let taps: [(offset: Int, gain: Float)]

    public init(sampleRate: Int = 48_000, delayMilliseconds: Int = 40, gainDecibels: Float = -6,
         tailMilliseconds: Int = 220, reverberationMilliseconds: Float = 200, reflections: Int = 400,
         reflectionLevel: Float = 0.35, seed: UInt64 = 11) {
        let delay = sampleRate * delayMilliseconds / 1_000
        let tail = sampleRate * tailMilliseconds / 1_000
        var random = seed
        func unit() -> Float {
            random ^= random << 13; random ^= random >> 7; random ^= random << 17
            return Float(random % 1_000_000) / 1_000_000
        }
        let direct = Float.pow10(gainDecibels / 20)
        var taps: [(Int, Float)] = [(delay, direct)]
        for _ in 0..<reflections {
            let after = 1 + Int(unit() * Float(tail - 1))
            let decay = Float.pow10(-3 * Float(after) / (Float(sampleRate) * reverberationMilliseconds / 1_000))
            taps.append((delay + after, direct * reflectionLevel * decay * (unit() < 0.5 ? -1 : 1)))
        }
        self.taps = taps
    }

    /// `signal` as the microphone hears it from the loudspeaker, the same length.
    public func echo(of signal: [Int16]) -> [Float] {
        var out = [Float](repeating: 0, count: signal.count)
        signal.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for (offset, gain) in taps where offset < x.count {
                    for n in offset..<x.count { y[n] += gain * Float(x[n - offset]) }
                }
            }
        }
        return out
    }
}

private extension Float {
    static func pow10(_ x: Float) -> Float { Float(Glibc.pow(10, Double(x))) }
}

import Glibc
