import ParlorAudio
import Synchronization

/// Where a speaking client's frames come from: the microphone (through the audio engine's
/// capture ring) or a WAV file played out in real time. Called once a frame period.
public protocol FrameSource: AnyObject {
    /// Fills `frame` with the next frame; false when there is none this period.
    func read(into frame: UnsafeMutableBufferPointer<Int16>) -> Bool
}

/// Where the room's mix (or one speaker's audio) goes: the playback ring, a WAV file. Called
/// once a frame period with the frame to output.
public protocol FrameSink: AnyObject {
    func write(_ frame: UnsafeBufferPointer<Int16>)
    /// Ends the output (a file's header is finalised).
    func close()
}

/// Frames captured by an audio engine's real-time thread that does not run the room's loop
/// (a room's own engine is given as `MediaIO.engine` instead).
public final class CaptureRingSource: FrameSource {
    let ring: SPSCRing
    private let skipped = Atomic<Int>(0)

    public init(ring: SPSCRing) { self.ring = ring }

    /// Older frames passed over to keep the newest (the reader fell behind): counted, not silent.
    public var overruns: Int { skipped.load(ordering: .relaxed) }

    public func read(into frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
        // Keep the newest frame if the encoder fell behind: latency over completeness.
        var got = false
        while ring.count > 1, ring.pop(into: frame) {
            got = true
            skipped.add(1, ordering: .relaxed)
        }
        return ring.pop(into: frame) || got
    }
}

/// Frames for an audio engine's real-time thread to play, from outside its loop.
public final class PlaybackRingSink: FrameSink {
    let ring: SPSCRing
    private let refused = Atomic<Int>(0)

    public init(ring: SPSCRing) { self.ring = ring }

    /// Frames the full ring refused (the engine fell behind): counted, not silent.
    public var overflows: Int { refused.load(ordering: .relaxed) }

    public func write(_ frame: UnsafeBufferPointer<Int16>) {
        if !ring.push(frame) { refused.add(1, ordering: .relaxed) }
    }

    public func close() {}
}

/// A WAV file (48 kHz mono 16-bit) read frame by frame, once or in a loop; silence after its end.
/// The media loop reads it; `finished` may be asked from any thread.
public final class WAVFileSource: FrameSource, Sendable {
    let samples: [Int16]
    let loop: Bool
    /// The next sample to read; written by the reader only.
    private let position = Atomic<Int>(0)

    public init(path: String, loop: Bool) throws {
        let wav = try WAVReader(path: path)
        guard wav.sampleRate == Int(OpusSettings.sampleRate), wav.channels == 1 else {
            throw WAVFormatMismatch(path: path, sampleRate: wav.sampleRate, channels: wav.channels)
        }
        samples = wav.samples
        self.loop = loop
    }

    /// Whether a one-shot file has been played to its end.
    public var finished: Bool { !loop && position.load(ordering: .acquiring) >= samples.count }

    public func read(into frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
        guard !samples.isEmpty else { return false }
        var next = position.load(ordering: .relaxed)
        for i in 0..<frame.count {
            if next >= samples.count {
                guard loop else { frame[i] = 0; continue }
                next = 0
            }
            frame[i] = samples[next]
            next += 1
        }
        position.store(next, ordering: .releasing)
        return true
    }
}

/// A WAV file that is not 48 kHz mono.
public struct WAVFormatMismatch: Error, CustomStringConvertible {
    public let path: String
    public let sampleRate: Int
    public let channels: Int

    public var description: String {
        "\(path) is \(sampleRate) Hz with \(channels) channel(s); Parlor speaks 48000 Hz mono "
            + "(convert it with: sox \(path) -r 48000 -c 1 -b 16 out.wav)"
    }
}

/// Writes frames to a WAV file; its header is finalised on close and on SIGINT/SIGTERM.
public final class WAVFileSink: FrameSink {
    let writer: WAVWriter

    public init(path: String) throws { writer = try WAVWriter(path: path) }

    public func write(_ frame: UnsafeBufferPointer<Int16>) { try? writer.write(frame) }
    public func close() { writer.close() }
}
