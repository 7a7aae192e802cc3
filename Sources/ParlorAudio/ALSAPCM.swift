import CALSA
import Synchronization

/// One open ALSA PCM stream, 48 kHz mono S16 (the only format Parlor uses), interleaved.
///
/// Open it by device name (`default`, `hw:0`, `null`, …) or from a configuration string, which
/// ignores the system and user configuration: that is how tests get hermetic devices from the
/// `file` and `null` plugins. Reads and writes recover from xruns with `snd_pcm_recover`.
public final class ALSAPCM {
    /// Which way the samples flow.
    public enum Direction: Sendable {
        case capture, playback
        var stream: snd_pcm_stream_t { self == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK }
    }

    public let name: String
    public let direction: Direction
    /// Frames per period, as the device granted it.
    public private(set) var periodFrames: Int = 0
    /// Frames in the whole device buffer, as the device granted it.
    public private(set) var bufferFrames: Int = 0
    /// Where a stream is in alsa-lib's life cycle (`snd_pcm_state`).
    public enum State: Sendable, Equatable {
        case open, setup, prepared, running, xrun, draining, paused, suspended, disconnected, closed
    }

    /// How many xruns (underruns or overruns, and suspends) were recovered from with
    /// `snd_pcm_recover`. Safe to read from any thread.
    public var xrunsRecovered: Int { xruns.load(ordering: .relaxed) }

    /// When set, reads and writes go through it instead of straight to alsa-lib; recovery stays
    /// here. Set it before the audio thread starts. Tests use it to make a real device fail.
    public var transfers: (any ALSATransfers)?

    private let xruns = Atomic<Int>(0)
    private var handle: OpaquePointer?
    private var config: OpaquePointer?

    /// Opens the device `name` from the system's ALSA configuration.
    public init(name: String, direction: Direction) throws {
        ALSA.silenceErrors()
        self.name = name
        self.direction = direction
        var pcm: OpaquePointer?
        try ALSAError.check(snd_pcm_open(&pcm, name, direction.stream, 0), "open \"\(name)\"")
        handle = pcm
    }

    /// Opens the device `name` defined in `configuration` (ALSA configuration syntax) alone.
    /// Names from the stock alsa.conf (such as `null`) are not defined there: inline slaves.
    public init(configuration: String, name: String, direction: Direction) throws {
        ALSA.silenceErrors()
        self.name = name
        self.direction = direction
        var top: OpaquePointer?
        try ALSAError.check(snd_config_top(&top), "config_top")
        var input: OpaquePointer?
        let bytes = Array(configuration.utf8)
        guard snd_input_buffer_open(&input, bytes.map { CChar(bitPattern: $0) }, bytes.count) == 0 else {
            snd_config_delete(top)
            throw ALSAError(code: -22, operation: "read configuration")
        }
        let loaded = snd_config_load(top, input)
        snd_input_close(input)
        guard loaded == 0 else {
            snd_config_delete(top)
            throw ALSAError(code: loaded, operation: "parse configuration")
        }
        var pcm: OpaquePointer?
        let rc = snd_pcm_open_lconf(&pcm, name, direction.stream, 0, top)
        guard rc == 0 else {
            snd_config_delete(top)
            throw ALSAError(code: rc, operation: "open \"\(name)\" from configuration")
        }
        handle = pcm
        config = top
    }

    deinit { close() }

    /// Sets 48 kHz, mono, S16, interleaved, with the period and buffer asked for (the device may
    /// round them; the granted values are in `periodFrames` and `bufferFrames`).
    public func configure(periodFrames wantedPeriod: Int, periods: Int = 4) throws {
        guard let handle else { throw ALSAError(code: ALSAPCM.closedCode, operation: "configure a closed device") }
        var params: OpaquePointer?
        try ALSAError.check(snd_pcm_hw_params_malloc(&params), "hw_params_malloc")
        defer { snd_pcm_hw_params_free(params) }
        try ALSAError.check(snd_pcm_hw_params_any(handle, params), "hw_params_any")
        try ALSAError.check(snd_pcm_hw_params_set_access(handle, params, SND_PCM_ACCESS_RW_INTERLEAVED), "set access")
        try ALSAError.check(snd_pcm_hw_params_set_format(handle, params, SND_PCM_FORMAT_S16_LE), "set format S16_LE")
        try ALSAError.check(snd_pcm_hw_params_set_channels(handle, params, UInt32(OpusSettings.channels)), "set mono")
        var rate = UInt32(OpusSettings.sampleRate)
        var dir: Int32 = 0
        try ALSAError.check(snd_pcm_hw_params_set_rate_near(handle, params, &rate, &dir), "set rate")
        guard rate == UInt32(OpusSettings.sampleRate) else {
            throw ALSAError(code: -22, operation: "set rate 48000 (device offers \(rate))")
        }
        var period = snd_pcm_uframes_t(wantedPeriod)
        try ALSAError.check(snd_pcm_hw_params_set_period_size_near(handle, params, &period, &dir), "set period")
        var buffer = snd_pcm_uframes_t(wantedPeriod * periods)
        try ALSAError.check(snd_pcm_hw_params_set_buffer_size_near(handle, params, &buffer), "set buffer")
        try ALSAError.check(snd_pcm_hw_params(handle, params), "apply hw_params")
        periodFrames = Int(period)
        bufferFrames = Int(buffer)
        try ALSAError.check(snd_pcm_prepare(handle), "prepare")
    }

    /// Reads up to `frames.count` frames; recovers from an overrun (or a suspend) with
    /// `snd_pcm_recover` and retries once. Returns the frames read. Allocates nothing.
    public func read(into frames: UnsafeMutableBufferPointer<Int16>) throws -> Int {
        try transfer { transfers?.readi(self, frames) ?? readi(frames) }
    }

    /// Writes `frames`; recovers from an underrun (or a suspend) with `snd_pcm_recover` and
    /// retries once. Returns the frames written. Allocates nothing.
    public func write(_ frames: UnsafeBufferPointer<Int16>) throws -> Int {
        try transfer { transfers?.writei(self, frames) ?? writei(frames) }
    }

    /// `snd_pcm_readi` alone, without recovery: frames read, or a negative errno.
    public func readi(_ frames: UnsafeMutableBufferPointer<Int16>) -> Int {
        guard let handle else { return Int(ALSAPCM.closedCode) }
        return snd_pcm_readi(handle, frames.baseAddress, snd_pcm_uframes_t(frames.count))
    }

    /// `snd_pcm_writei` alone, without recovery: frames written, or a negative errno.
    public func writei(_ frames: UnsafeBufferPointer<Int16>) -> Int {
        guard let handle else { return Int(ALSAPCM.closedCode) }
        return snd_pcm_writei(handle, frames.baseAddress, snd_pcm_uframes_t(frames.count))
    }

    /// The stream's state as alsa-lib reports it.
    /// Whether the PCM's reads and writes wait for the hardware: false for the `null` and `file`
    /// plugins, which take and give frames at once (the audio thread then paces itself).
    public var pacesInRealTime: Bool {
        guard let handle else { return false }
        let type = snd_pcm_type(handle)
        return type != SND_PCM_TYPE_NULL && type != SND_PCM_TYPE_FILE
    }

    public var state: State {
        guard let handle else { return .closed }
        switch snd_pcm_state(handle) {
        case SND_PCM_STATE_OPEN: return .open
        case SND_PCM_STATE_SETUP: return .setup
        case SND_PCM_STATE_PREPARED: return .prepared
        case SND_PCM_STATE_RUNNING: return .running
        case SND_PCM_STATE_XRUN: return .xrun
        case SND_PCM_STATE_DRAINING: return .draining
        case SND_PCM_STATE_PAUSED: return .paused
        case SND_PCM_STATE_SUSPENDED: return .suspended
        default: return .disconnected
        }
    }

    /// Plays what is queued, then stops (playback only).
    public func drain() {
        if let handle { snd_pcm_drain(handle) }
    }

    /// Closes the device; the `file` plugin flushes its output file here.
    public func close() {
        if let handle { snd_pcm_close(handle) }
        if let config { snd_config_delete(config) }
        handle = nil
        config = nil
    }

    /// -EBADFD: what a closed device answers.
    private static let closedCode: Int32 = -77

    private func transfer(_ call: () -> Int) throws -> Int {
        guard let handle else { throw ALSAError(code: ALSAPCM.closedCode, operation: "use a closed device") }
        var n = call()
        if n < 0 {
            let code = Int32(truncatingIfNeeded: n)
            try ALSAError.check(snd_pcm_recover(handle, code, 1), direction == .capture ? "recover capture" : "recover playback")
            xruns.add(1, ordering: .relaxed)
            n = call()
        }
        return Int(try ALSAError.check(Int32(truncatingIfNeeded: n), direction == .capture ? "read" : "write"))
    }
}
