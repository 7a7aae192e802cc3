import Foundation

/// Objective speech quality for tests: PESQ in wideband mode (the `pesq` PyPI package) after
/// resampling both files to 16 kHz with sox and aligning the degraded one to the reference by
/// cross-correlation, since recordings start at another moment than the speech they carry.
public enum SpeechScore {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The PESQ-WB score of `degraded` against the whole of `reference`, after aligning it by the
    /// lag (either sign, up to `maxLagSeconds`) that best matches them. Whatever of the reference
    /// the recording does not carry — a lost tail, a missing head — is scored as silence, so a
    /// recording that lost part of the speech scores lower than one that kept it all.
    public static func pesq(reference: String, degraded: String, maxLagSeconds: Double = 1) throws -> Double {
        try aligned(reference: reference, degraded: degraded, maxLagSeconds: maxLagSeconds, suffix: "", measure: """
            from pesq import pesq
            print(lag, pesq(16000, ref, deg, 'wb'))
            """)
    }

    /// Resamples both files to 16 kHz, aligns `degraded` to `reference` (the lag of the best
    /// cross-correlation, either sign, up to `maxLagSeconds`; what the recording lacks counts as
    /// silence), then runs `measure` — Python with `ref`, `deg` (16 kHz float arrays of one
    /// length) and `lag` in scope, printing `lag value` — and returns the value.
    static func aligned(reference: String, degraded: String, maxLagSeconds: Double, suffix: String, measure: String) throws -> Double {
        let ref16 = degraded + ".ref16k\(suffix).wav", deg16 = degraded + ".16k\(suffix).wav"
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

            """ + measure
        let out = try Command.run(["python3", "-c", script, ref16, deg16, String(Int(maxLagSeconds * 16_000))]).stdout
        guard let value = out.split(separator: " ").last.flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw Failure(description: "the measure printed: \(out)")
        }
        return value
    }
}
