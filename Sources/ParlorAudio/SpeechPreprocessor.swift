import CSpeexDSP

/// Speex's preprocessor (`speex_preprocess_*`) on the capture path: noise suppression, automatic
/// gain control and, linked to an `EchoCanceller`, suppression of the echo the
/// adaptive filter left. Works on a frame in place, allocating nothing.
public final class SpeechPreprocessor {
    /// What the preprocessor does; each part has a switch (`--no-noise-suppression`, `--no-agc`).
    public struct Settings: Sendable, Equatable {
        public var noiseSuppression: Bool
        public var automaticGain: Bool
        public init(noiseSuppression: Bool = true, automaticGain: Bool = true) {
            self.noiseSuppression = noiseSuppression
            self.automaticGain = automaticGain
        }
    }

    /// The most noise is attenuated, in dB. Speex's default (−15) leaves white noise at 5 dB SNR
    /// audible; −30 measured the larger PESQ-WB gain on noisy speech (`CaptureProcessingTests`)
    /// for the same cost on clean speech.
    public static let noiseSuppressDecibels: Int32 = -30
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
    /// 31–51 dB below it (`CaptureProcessingTests`).
    public static let echoSuppressDecibels: Int32 = -40
    /// Residual echo attenuated, in dB, while the near speaker talks too: Speex's default (−15);
    /// deeper suppression during double talk takes the near speaker's speech with it.
    public static let echoSuppressActiveDecibels: Int32 = -15

    public let frameSamples: Int
    public let settings: Settings
    private let state: OpaquePointer

    /// A preprocessor for frames of `frameSamples` mono samples at `sampleRate`; with `echo`, it
    /// also suppresses what that canceller's filter left of the echo.
    public init(frameSamples: Int, sampleRate: Int = 48_000, settings: Settings = Settings(), echo: EchoCanceller? = nil) {
        precondition(frameSamples > 0 && sampleRate > 0)
        self.frameSamples = frameSamples
        self.settings = settings
        state = speex_preprocess_state_init(Int32(frameSamples), Int32(sampleRate))
        set(SPEEX_PREPROCESS_SET_DENOISE, settings.noiseSuppression ? 1 : 0)
        set(SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, Self.noiseSuppressDecibels)
        set(SPEEX_PREPROCESS_SET_AGC, settings.automaticGain ? 1 : 0)
        set(SPEEX_PREPROCESS_SET_AGC_TARGET, Self.gainTarget)
        set(SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, Self.maximumGainDecibels)
        set(SPEEX_PREPROCESS_SET_AGC_INCREMENT, Self.gainIncreaseDecibelsPerSecond)
        // The VAD and dereverberation stay at their defaults (off): setting the VAD, even to
        // off, makes libspeexdsp print a warning on stderr, over the room screen.
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
