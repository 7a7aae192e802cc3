import CSpeexDSP

/// Acoustic echo cancellation with Speex's multidelay block frequency-domain adaptive filter
/// (libspeexdsp's `speex_echo_*`, as Mumble uses it): each period it is given what the
/// microphone captured and what the loudspeaker played in the same period, learns the room's
/// echo path from the played signal to the microphone, and takes its estimate out of the capture.
///
/// The played frame must be the one played while the captured frame was recorded: the media loop
/// hands both over in the same period, so they stay aligned by construction. The filter covers
/// `tailMilliseconds` of echo (the delay to the microphone and the room's reverberation).
public final class EchoCanceller {
    /// Echo the filter models after the played frame: the playback buffer, the way to the
    /// microphone and most of a living room's tail. 400 ms measured worse in the simulated room
    /// (echo taken out 33.9 dB against 48.9, double talk 1.97 against 2.15: a longer filter
    /// converges more slowly) and cost more (1.69× the encoder against 1.63×).
    public static let defaultTailMilliseconds = 250

    public let frameSamples: Int
    let state: OpaquePointer

    /// A canceller for frames of `frameSamples` mono samples at `sampleRate`.
    public init(frameSamples: Int, sampleRate: Int = 48_000, tailMilliseconds: Int = EchoCanceller.defaultTailMilliseconds) {
        precondition(frameSamples > 0 && sampleRate > 0 && tailMilliseconds > 0)
        self.frameSamples = frameSamples
        state = speex_echo_state_init(Int32(frameSamples), Int32(sampleRate * tailMilliseconds / 1_000))
        _ = cspeex_echo_set_sampling_rate(state, Int32(sampleRate))
    }

    deinit { speex_echo_state_destroy(state) }

    /// Writes `captured` less the echo of `played` into `output` (all `frameSamples` long; output
    /// may not be either input). Allocates nothing.
    public func cancel(captured: UnsafeBufferPointer<Int16>, played: UnsafeBufferPointer<Int16>,
                       into output: UnsafeMutableBufferPointer<Int16>) {
        precondition(captured.count == frameSamples && played.count == frameSamples && output.count == frameSamples)
        speex_echo_cancellation(state, captured.baseAddress, played.baseAddress, output.baseAddress)
    }
}
