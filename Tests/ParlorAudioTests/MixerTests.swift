import ParlorAudio
import Testing

/// The mixer's soft limiter on its own: identity up to the knee, a smooth monotonic bend above
/// it that stays under full scale up to 1.5 times full scale and saturates (never wraps) beyond,
/// and the sum of several speakers with their gains.
struct MixerTests {
    @Test func theLimiterIsTheIdentityUpToTheKnee() {
        for step in -70...70 {
            let x = Float(step) / 100
            #expect(Mixer.limit(x) == x)
        }
    }

    @Test func aboveTheKneeItBendsSmoothlyAndStaysBelowFullScale() {
        var previous = Mixer.limit(Mixer.knee)
        for step in 1...10_000 {
            let x = Mixer.knee + Float(step) / 1_000
            let y = Mixer.limit(x)
            #expect(y >= previous, "monotonic at \(x)")
            #expect(y <= 1 && y >= Mixer.knee, "\(x) → \(y)")
            if x <= 1.5 { #expect(y < 0.998, "\(x) → \(y)") }
            #expect(Mixer.limit(-x) == -y, "odd at \(x)")
            previous = y
        }
        // Continuous with slope 1 at the knee: just above it the curve still follows x.
        let epsilon: Float = 1e-3
        #expect(abs(Mixer.limit(Mixer.knee + epsilon) - (Mixer.knee + epsilon)) < 1e-5)
        // And it really bends: at one and a half times full scale it is still under it.
        #expect(Mixer.limit(1.5) < 0.998 && Mixer.limit(1.5) > 0.95)
    }

    @Test func fourLoudSpeakersSaturateWithoutWrapping() {
        let mixer = Mixer(frameSamples: 960)
        let loud = [Int16](repeating: 30_000, count: 960), quiet = [Int16](repeating: -1_000, count: 960)
        var out = [Int16](repeating: 0, count: 960)
        mixer.begin()
        for _ in 0..<4 { loud.withUnsafeBufferPointer { mixer.add($0) } }
        out.withUnsafeMutableBufferPointer { mixer.finish(into: $0) }
        #expect(out.allSatisfy { $0 > 32_000 }, "\(out[0])")
        mixer.begin()
        for _ in 0..<4 { loud.withUnsafeBufferPointer { mixer.add($0, gain: -1) } }
        out.withUnsafeMutableBufferPointer { mixer.finish(into: $0) }
        #expect(out.allSatisfy { $0 < -32_000 && $0 >= -Int16.max }, "\(out[0])")
        // Below the knee the sum is exact, gains included.
        mixer.begin()
        loud.withUnsafeBufferPointer { mixer.add($0, gain: 0.5) }
        quiet.withUnsafeBufferPointer { mixer.add($0, gain: 2) }
        out.withUnsafeMutableBufferPointer { mixer.finish(into: $0) }
        #expect(out.allSatisfy { abs(Int($0) - 13_000) <= 1 }, "\(out[0])")
    }
}
