import Glibc
import ParlorAudio

/// Makes a real ALSA PCM fail the way a sound card does. At the calls listed in `faults`, the
/// read or write returns that error (-EPIPE for an underrun or overrun, -ESTRPIPE for a suspend,
/// anything else for a failure) instead of reaching alsa-lib; every other call goes through to the
/// device. `ALSAPCM` then runs its recovery (`snd_pcm_recover`) on the real handle, and the
/// injector records the stream's state at every call, so a test sees what recovery did to it.
///
/// Install it with `pcm.transfers = injector`. Not thread-safe: read what it recorded after the
/// audio thread has stopped.
public final class XrunInjector: ALSATransfers {
    /// An xrun: a playback underrun or a capture overrun.
    public static let xrun = -EPIPE
    /// The system suspended the device.
    public static let suspend = -ESTRPIPE

    /// The calls made so far (0 is the first).
    public private(set) var calls = 0
    /// The stream's state at the start of each call.
    public private(set) var states: [ALSAPCM.State] = []
    private let faults: [Int: Int32]

    /// Fails the calls numbered by the keys (0 is the first) with the errors they map to.
    public init(faults: [Int: Int32]) {
        self.faults = faults
        states.reserveCapacity(1_024)
    }

    public func readi(_ pcm: ALSAPCM, _ frames: UnsafeMutableBufferPointer<Int16>) -> Int {
        injected(pcm) ?? pcm.readi(frames)
    }

    public func writei(_ pcm: ALSAPCM, _ frames: UnsafeBufferPointer<Int16>) -> Int {
        injected(pcm) ?? pcm.writei(frames)
    }

    private func injected(_ pcm: ALSAPCM) -> Int? {
        states.append(pcm.state)
        defer { calls += 1 }
        return faults[calls].map(Int.init)
    }
}
