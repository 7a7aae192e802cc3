import Foundation

/// Objective speech quality for tests: PESQ in wideband mode (the `pesq` PyPI package) after
/// resampling both files to 16 kHz with sox and aligning the degraded one to the reference by
/// cross-correlation, since recordings start at another moment than the speech they carry.
public enum SpeechScore {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The PESQ-WB score of `degraded` against `reference`, searching a lag of up to `maxLagSeconds`.
    public static func pesq(reference: String, degraded: String, maxLagSeconds: Double = 1) throws -> Double {
        let ref16 = degraded + ".ref16k.wav", deg16 = degraded + ".16k.wav"
        try Command.run(["sox", reference, "-r", "16000", ref16])
        try Command.run(["sox", degraded, "-r", "16000", deg16])
        let script = """
            import sys, wave, numpy as np
            from pesq import pesq
            def load(p):
                with wave.open(p) as w: return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
            ref, deg = load(sys.argv[1]), load(sys.argv[2])
            n = 1 << int(np.ceil(np.log2(len(ref) + len(deg))))
            corr = np.fft.irfft(np.fft.rfft(deg, n) * np.conj(np.fft.rfft(ref, n)), n)
            lag = int(np.argmax(corr[:int(sys.argv[3])]))
            deg = deg[lag:lag + len(ref)]
            ref = ref[:len(deg)]
            print(lag, pesq(16000, ref, deg, 'wb'))
            """
        let out = try Command.run(["python3", "-c", script, ref16, deg16, String(Int(maxLagSeconds * 16_000))]).stdout
        guard let score = out.split(separator: " ").last.flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw Failure(description: "pesq printed: \(out)")
        }
        return score
    }
}
