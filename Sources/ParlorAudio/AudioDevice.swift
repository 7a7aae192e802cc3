/// One direction of a sound device, moving whole frames of 48 kHz mono S16 samples.
///
/// The audio thread calls `read`/`write` once a period; implementations allocate nothing there.
/// A capture device only reads, a playback device only writes.
public protocol AudioDevice: AnyObject {
    /// The device's name, as a user would pick it.
    var name: String { get }
    /// Which way the samples flow.
    var direction: ALSAPCM.Direction { get }
    /// How many xruns (underruns or overruns) were recovered from. Safe to read from any thread.
    var xrunsRecovered: Int { get }
    /// Whether `read`/`write` wait for the device's clock (a sound card). The audio thread paces
    /// itself only when neither device does.
    var pacesInRealTime: Bool { get }
    /// Fills `frame` with captured samples; returns how many were captured.
    func read(into frame: UnsafeMutableBufferPointer<Int16>) throws -> Int
    /// Plays `frame`; returns how many samples the device took.
    func write(_ frame: UnsafeBufferPointer<Int16>) throws -> Int
    /// Releases the device (a `file` device flushes its output here).
    func close()
}

/// A real ALSA PCM: period = one frame, a buffer of `periods` frames, `snd_pcm_recover` on xruns.
public final class ALSAAudioDevice: AudioDevice {
    /// Periods in the device buffer: about 80 ms at 20 ms frames, enough to ride out scheduling
    /// hiccups without adding much latency.
    public static let defaultPeriods = 4

    public let pcm: ALSAPCM
    public var name: String { pcm.name }
    public var direction: ALSAPCM.Direction { pcm.direction }
    public var xrunsRecovered: Int { pcm.xrunsRecovered }
    public var pacesInRealTime: Bool { pcm.pacesInRealTime }

    /// Opens and configures the ALSA device `name` from the system configuration.
    public convenience init(name: String, direction: ALSAPCM.Direction, frameSamples: Int,
                            periods: Int = ALSAAudioDevice.defaultPeriods) throws {
        try self.init(pcm: ALSAPCM(name: name, direction: direction), frameSamples: frameSamples, periods: periods)
    }

    /// Configures an already open PCM (for example one opened from a configuration string).
    public init(pcm: ALSAPCM, frameSamples: Int, periods: Int = ALSAAudioDevice.defaultPeriods) throws {
        self.pcm = pcm
        try pcm.configure(periodFrames: frameSamples, periods: periods)
    }

    public func read(into frame: UnsafeMutableBufferPointer<Int16>) throws -> Int { try pcm.read(into: frame) }
    public func write(_ frame: UnsafeBufferPointer<Int16>) throws -> Int { try pcm.write(frame) }
    public func close() {
        if direction == .playback { pcm.drain() }
        pcm.close()
    }
}

/// The silent device: capture gives zeros, playback discards. Parlor runs on it when there is no
/// sound card. It clears captured frames itself: ALSA's own `null` capture leaves them untouched.
public final class NullAudioDevice: AudioDevice {
    public let name = "null"
    public let direction: ALSAPCM.Direction
    public let xrunsRecovered = 0
    public let pacesInRealTime = false

    public init(direction: ALSAPCM.Direction) { self.direction = direction }

    public func read(into frame: UnsafeMutableBufferPointer<Int16>) throws -> Int {
        frame.update(repeating: 0)
        return frame.count
    }

    public func write(_ frame: UnsafeBufferPointer<Int16>) throws -> Int { frame.count }
    public func close() {}
}

/// Opens devices by name, falling back to the silent device with one clear message.
public enum AudioDevices {
    /// An opened device, and why it is the null device when the one asked for could not be opened.
    public struct Opened {
        public let device: any AudioDevice
        /// Nil when the device asked for was opened.
        public let fallbackReason: String?
    }

    /// Opens `name` for `direction` with periods of `frameSamples`; on failure returns the null
    /// device and a message naming the device and the error, e.g.
    /// `cannot open capture device "hw:7": ALSA open "hw:7": No such file or directory (-2); using the silent null device`.
    public static func open(name: String, direction: ALSAPCM.Direction, frameSamples: Int) -> Opened {
        do {
            return Opened(device: try ALSAAudioDevice(name: name, direction: direction, frameSamples: frameSamples),
                          fallbackReason: nil)
        } catch {
            let role = direction == .capture ? "capture" : "playback"
            return Opened(device: NullAudioDevice(direction: direction),
                          fallbackReason: "cannot open \(role) device \"\(name)\": \(error); using the silent null device")
        }
    }
}
