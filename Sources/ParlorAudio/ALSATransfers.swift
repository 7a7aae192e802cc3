/// The two alsa-lib calls that move samples, as `ALSAPCM` makes them when its `transfers` is
/// set: a seam through which a test makes a real device fail the way a sound card does (an
/// underrun, an overrun, a suspend) while recovery still runs on the real handle.
public protocol ALSATransfers: AnyObject {
    /// Reads into `frames` from `pcm` (normally `pcm.readi(frames)`): frames read, or a negative errno.
    func readi(_ pcm: ALSAPCM, _ frames: UnsafeMutableBufferPointer<Int16>) -> Int
    /// Writes `frames` to `pcm` (normally `pcm.writei(frames)`): frames written, or a negative errno.
    func writei(_ pcm: ALSAPCM, _ frames: UnsafeBufferPointer<Int16>) -> Int
}
