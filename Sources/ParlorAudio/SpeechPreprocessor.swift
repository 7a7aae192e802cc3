import CSpeexDSP

/// Speex's preprocessor (`speex_preprocess_*`) on the capture path: automatic gain control and,
/// linked to an `EchoCanceller`, suppression of the echo the adaptive filter left. Noise is
/// `NoiseSuppressor`'s (WebRTC's), which measured better. Works on a frame in place, allocating
/// nothing.
public final class SpeechPreprocessor {
    /// Noise attenuated by Speex's denoiser, in dB: none. Speex suppresses residual echo only
    /// through its denoiser's gains, so with a canceller the denoiser runs for that alone and
    /// leaves noise to `NoiseSuppressor` (with the denoiser off, as it was with
    /// `--no-noise-suppression`, the echo left was the filter's 17.6 dB below the incoming echo
    /// instead of about 35 dB). Speex's own noise suppression at −30 dB took 14 dB more of the
    /// echo out (48.9 dB against 34.9) but gained white noise at 5 dB SNR only +0.22 PESQ-WB,
    /// against WebRTC's +0.44, and double talk scored the same (2.15 against 2.11).
    public static let noiseSuppressDecibels: Int32 = 0
    /// The speech level automatic gain aims for, in Speex's loudness units (not a sample RMS):
    /// 30,000, as Mumble sets it, brings speech out at about −20 dBFS RMS, where a normal voice
    /// already is. (3,300, taken for an RMS, brought every voice down to about −39 dBFS.)
    public static let gainTarget: Int32 = 30_000
    /// The most gain applied, in dB: enough for speech 20 dB too quiet and a little more.
    public static let maximumGainDecibels: Int32 = 30
    /// How fast the gain may rise, in dB a second (Speex's default is 12).
    public static let gainIncreaseDecibelsPerSecond: Int32 = 12
    /// Residual echo attenuated, in dB, while only the far end talks: Speex's default (−40),
    /// which takes the echo the adaptive filter leaves from 17.6 dB below the incoming echo to
    /// about 35 dB below it (`CaptureProcessingTests`; −60 gained 0.2 dB and cost double talk 0.01).
    public static let echoSuppressDecibels: Int32 = -40
    /// Residual echo attenuated, in dB, while the near speaker talks too: Speex's default (−15);
    /// deeper suppression during double talk takes the near speaker's speech with it, shallower
    /// leaves echo (with −30 dB of noise suppression: −25 gave double talk 2.13 PESQ-WB, −15 2.15,
    /// −10 2.07, −5 1.83, 0 1.56).
    public static let echoSuppressActiveDecibels: Int32 = -15

    public let frameSamples: Int
    /// Whether automatic gain control runs (`--no-agc` turns it off).
    public let automaticGain: Bool
    private let state: OpaquePointer

    /// A preprocessor for frames of `frameSamples` mono samples at `sampleRate`; with `echo`, it
    /// also suppresses what that canceller's filter left of the echo.
    public init(frameSamples: Int, sampleRate: Int = 48_000, automaticGain: Bool = true, echo: EchoCanceller? = nil) {
        precondition(frameSamples > 0 && sampleRate > 0)
        self.frameSamples = frameSamples
        self.automaticGain = automaticGain
        state = speex_preprocess_state_init(Int32(frameSamples), Int32(sampleRate))
        set(SPEEX_PREPROCESS_SET_DENOISE, echo != nil ? 1 : 0)
        set(SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, Self.noiseSuppressDecibels)
        set(SPEEX_PREPROCESS_SET_AGC, automaticGain ? 1 : 0)
        set(SPEEX_PREPROCESS_SET_AGC_TARGET, Self.gainTarget)
        set(SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, Self.maximumGainDecibels)
        set(SPEEX_PREPROCESS_SET_AGC_INCREMENT, Self.gainIncreaseDecibelsPerSecond)
        // The VAD and dereverberation stay at their defaults (off): setting the VAD, even to
        // off, makes libspeexdsp print a warning on stderr, over the room screen, and
        // dereverberation on changed no figure of `CaptureProcessingTests` by 0.01.
        if let echo {
            _ = cspeex_preprocess_set_echo_state(state, echo.state)
            set(SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, Self.echoSuppressDecibels)
            set(SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, Self.echoSuppressActiveDecibels)
        }
    }

    deinit { speex_preprocess_state_destroy(state) }

    /// Processes `frame` (`frameSamples` long) in place.
    public func process(_ frame: UnsafeMutableBufferPointer<Int16>) {
        precondition(frame.count == frameSamples)
        _ = speex_preprocess_run(state, frame.baseAddress)
    }

    private func set(_ request: Int32, _ value: Int32) {
        _ = cspeex_preprocess_set_int(state, request, value)
    }
}
