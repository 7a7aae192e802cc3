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
        let ref16 = degraded + ".gapref16k.wav", deg16 = degraded + ".gap16k.wav"
        try Command.run(["sox", reference, "-r", "16000", ref16])
        try Command.run(["sox", degraded, "-r", "16000", deg16])
        let script = """
            import sys, wave, numpy as np
            def load(p):
                with wave.open(p) as w: return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
            ref, deg = load(sys.argv[1]), load(sys.argv[2])
            n = 1 << int(np.ceil(np.log2(len(ref) + len(deg))))
            corr = np.fft.irfft(np.fft.rfft(deg, n) * np.conj(np.fft.rfft(ref, n)), n)
            most = int(sys.argv[3])
            lags = np.concatenate([np.arange(0, most + 1), np.arange(-most, 0)])
            lag = int(lags[np.argmax(np.concatenate([corr[:most + 1], corr[n - most:]]))])
            deg = deg[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag), deg])
            deg = np.concatenate([deg[:len(ref)], np.zeros(max(0, len(ref) - len(deg)))])
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
            """
        let out = try Command.run(["python3", "-c", script, ref16, deg16, String(Int(maxLagSeconds * 16_000))]).stdout
        guard let gap = out.split(separator: " ").last.flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw Failure(description: "the gap measure printed: \(out)")
        }
        return gap
    }
}
