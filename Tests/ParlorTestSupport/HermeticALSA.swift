import Foundation
import ParlorAudio

/// ALSA devices built from a configuration string alone, so tests ignore the machine's sound
/// setup: the `file` plugin captures from and plays to raw S16LE files, `null` swallows or gives
/// silence. alsa-lib is real; only the sound card is replaced.
public enum HermeticALSA {
    /// The device name every configuration here defines.
    public static let deviceName = "parlor_test"

    /// A capture device that reads raw S16LE mono samples from `input`. The file must be at least
    /// as long as what is read: past its end the plugin returns stale buffer data, not silence.
    public static func captureConfig(from input: String) -> String {
        """
        pcm.\(deviceName) {
            type file
            slave.pcm { type null }
            file "/dev/null"
            infile "\(input)"
            format raw
        }
        """
    }

    /// A playback device that writes raw S16LE mono samples to `output` (flushed on close).
    public static func playbackConfig(to output: String) -> String {
        """
        pcm.\(deviceName) {
            type file
            slave.pcm { type null }
            file "\(output)"
            format raw
        }
        """
    }

    /// The `null` device: playback discards, capture returns zeros.
    public static var nullConfig: String { "pcm.\(deviceName) { type null }" }

    /// Opens a device from one of the configurations above.
    public static func open(_ configuration: String, _ direction: ALSAPCM.Direction) throws -> ALSAPCM {
        try ALSAPCM(configuration: configuration, name: deviceName, direction: direction)
    }
}
