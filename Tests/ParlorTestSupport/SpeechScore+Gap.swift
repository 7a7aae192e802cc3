import Foundation

extension SpeechScore {
    /// The longest stretch, in seconds, in which `reference` speaks and the recording `degraded`
    /// of it does not: after aligning the recording by cross-correlation (either sign, up to
    /// `maxLagSeconds`), in 10 ms windows, a window is *missing* where the reference is within
    /// 26 dB of its loudest window and the recording is more than 20 dB below the reference. A
    /// stretch runs from a missing window across quiet ones (pauses of the speech) to the last
    /// missing window before a window that is heard. Opus's concealment keeps a lost frame's
    /// sound for a few tens of milliseconds before fading, so a gap reads a little short.
    public static func longestGap(reference: String, degraded: String, maxLagSeconds: Double = 1) throws -> Double {
        try aligned(reference: reference, degraded: degraded, maxLagSeconds: maxLagSeconds, suffix: "-gap", measure: """
            w = 160
            count = len(ref) // w
            env = lambda x: np.sqrt(np.mean(x[:count * w].reshape(count, w) ** 2, axis=1))
            r, d = env(ref), env(deg)
            loud = r > r.max() * 0.05
            missing = loud & (d < r * 0.1)
            longest, start = 0, None
            for i in range(count):
                if missing[i]:
                    start = i if start is None else start
                    longest = max(longest, i - start + 1)
                elif loud[i]:
                    start = None
            print(lag, longest * w / 16000)
            """)
    }
}
