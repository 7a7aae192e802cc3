import Foundation
import CSpeexDSP

/// Speex's preprocessor (`speex_preprocess_*`) on the capture path: noise suppression, automatic
/// gain control, dereverberation and, linked to an `EchoCanceller`, suppression of the echo the
/// adaptive filter left. Works on a frame in place, allocating nothing.
public final class SpeechPreprocessor {
    /// What the preprocessor does; each part has a switch (`--no-noise-suppression`, `--no-agc`).
    public struct Settings: Sendable, Equatable {
        public var noiseSuppression: Bool
        public var automaticGain: Bool
        public var dereverberation: Bool
        public init(noiseSuppression: Bool = true, automaticGain: Bool = true, dereverberation: Bool = false) {
            self.noiseSuppression = noiseSuppression
            self.automaticGain = automaticGain
            self.dereverberation = dereverberation
        }
    }

    /// The most noise is attenuated, in dB (Speex's default is −15).
    public static let noiseSuppressDecibels: Int32 = Int32(ProcessInfo.processInfo.environment["XS"] ?? "-30")!
    /// The speech level automatic gain aims for, in 16-bit sample units (RMS): about −20 dBFS,
    /// where the Opus encoder gets a full-scale voice with room for peaks.
    public static let gainTarget: Int32 = 3_300
    /// The most gain applied, in dB: enough for speech 20 dB too quiet and a little more.
    public static let maximumGainDecibels: Int32 = 30
    /// How fast the gain may rise, in dB a second (Speex's default is 12).
    public static let gainIncreaseDecibelsPerSecond: Int32 = 12
    /// Residual echo attenuated, in dB, with and without near-end speech (Speex's defaults).
    public static let echoSuppressDecibels: Int32 = Int32(ProcessInfo.processInfo.environment["XE"] ?? "-40")!
    public static let echoSuppressActiveDecibels: Int32 = Int32(ProcessInfo.processInfo.environment["XA"] ?? "-15")!

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
        set(SPEEX_PREPROCESS_SET_DEREVERB, settings.dereverberation ? 1 : 0)
        set(SPEEX_PREPROCESS_SET_VAD, 0)
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

    /// The gain automatic gain control applies now, in percent (100 when it is off).
    public var gainPercent: Int {
        guard settings.automaticGain else { return 100 }
        var gain: Int32 = 0
        _ = cspeex_preprocess_get_int(state, SPEEX_PREPROCESS_GET_AGC_GAIN, &gain)
        return Int(gain)
    }

    private func set(_ request: Int32, _ value: Int32) {
        _ = cspeex_preprocess_set_int(state, request, value)
    }
}
