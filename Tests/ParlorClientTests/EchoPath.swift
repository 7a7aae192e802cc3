import Foundation
import ParlorAudio
import ParlorTestSupport

/// A laptop's loudspeaker and microphone in one room, as two devices of one audio engine: what
/// the engine plays goes into the room (`SimulatedRoom`) and comes back into what it captures,
/// on top of the near speaker's own voice, once `startVoice` is called. It keeps
/// the echo it added to each captured frame apart, so a test knows how much echo went in.
final class EchoPath: @unchecked Sendable {
    let room: SimulatedRoom
    let near: [Int16]
    /// The captured frame the near voice starts in (never, until `startVoice`).
    private var voiceStart = Int.max
    private let lock = NSLock()
    /// The echo still to reach the microphone, by captured sample number.
    private var pending: [Float] = []
    private var playedFrames = 0
    private var maximumPlayed = 0
    private let taps: [(offset: Int, gain: Float)]
    /// The echo put into each captured frame, frame after frame.
    private var echoes: [Float] = []
    private var capturedFrames = 0
    /// The longest way back into the microphone, in samples.
    private let reach: Int

    init(room: SimulatedRoom, near: [Int16]) {
        self.room = room
        self.near = near
        reach = room.taps.map(\.offset).max() ?? 0
        taps = room.taps
    }

    var loudspeaker: some AudioDevice { Loudspeaker(path: self) }
    var microphone: some AudioDevice { Microphone(path: self) }

    var summary: String { lock.withLock { "played \(playedFrames) frames (max \(maximumPlayed)), captured \(capturedFrames) frames, echo max \(echoes.map(abs).max() ?? 0)" } }

    /// Frames captured so far.
    var framesCaptured: Int { lock.withLock { capturedFrames } }

    /// The near voice starts `frames` frames from now; returns the captured frame it starts in.
    func startVoice(after frames: Int) -> Int {
        lock.withLock {
            voiceStart = capturedFrames + frames
            return voiceStart
        }
    }

    /// The echo that went into the capture, captured frames `range` (frame numbers from 0).
    func echo(frames range: Range<Int>, frameSamples: Int) -> ArraySlice<Float> {
        lock.withLock { echoes[min(range.lowerBound * frameSamples, echoes.count)..<min(range.upperBound * frameSamples, echoes.count)] }
    }

    /// Each played sample reaches the microphone along every tap: its echo is added ahead into
    /// `pending` when it is played (overlap-add), and the microphone takes it from there.
    /// Captured frame `k` hears what was played in frame `k − 1` and before (the frame written
    /// at the end of one period sounds during the next).
    fileprivate func capture(into frame: UnsafeMutableBufferPointer<Int16>) {
        lock.withLock {
            let k = capturedFrames
            capturedFrames += 1
            let start = k * frame.count
            if pending.count < start + frame.count { pending += [Float](repeating: 0, count: start + frame.count - pending.count) }
            for n in 0..<frame.count {
                let echo = pending[start + n]
                echoes.append(echo)
                let voiceIndex = k >= voiceStart ? (k - voiceStart) * frame.count + n : -1
                let voice: Float = voiceIndex >= 0 && voiceIndex < near.count ? Float(near[voiceIndex]) : 0
                frame[n] = Int16(max(-32_768, min(32_767, (echo + voice).rounded())))
            }
        }
    }

    fileprivate func play(_ frame: UnsafeBufferPointer<Int16>) {
        lock.withLock {
            // Played frame j sounds during period j + 1: its first sample lands at (j + 1) × frame.
            let base = (playedFrames + 1) * frame.count
            playedFrames += 1
            maximumPlayed = max(maximumPlayed, frame.map { abs(Int($0)) }.max() ?? 0)
            let needed = base + frame.count + reach
            if pending.count < needed { pending += [Float](repeating: 0, count: needed - pending.count) }
            pending.withUnsafeMutableBufferPointer { out in
                taps.withUnsafeBufferPointer { taps in
                    for tap in 0..<taps.count {
                        let (offset, gain) = (taps[tap].offset, taps[tap].gain)
                        let to = UnsafeMutableBufferPointer(rebasing: out[(base + offset)...])
                        for n in 0..<frame.count { to[n] += gain * Float(frame[n]) }
                    }
                }
            }
        }
    }

    private final class Loudspeaker: AudioDevice {
        let path: EchoPath
        init(path: EchoPath) { self.path = path }
        let name = "room loudspeaker"
        let direction = ALSAPCM.Direction.playback
        let xrunsRecovered = 0
        let pacesInRealTime = false
        func read(into frame: UnsafeMutableBufferPointer<Int16>) throws -> Int { 0 }
        func write(_ frame: UnsafeBufferPointer<Int16>) throws -> Int { path.play(frame); return frame.count }
        func close() {}
    }

    private final class Microphone: AudioDevice {
        let path: EchoPath
        init(path: EchoPath) { self.path = path }
        let name = "room microphone"
        let direction = ALSAPCM.Direction.capture
        let xrunsRecovered = 0
        let pacesInRealTime = false
        func read(into frame: UnsafeMutableBufferPointer<Int16>) throws -> Int { path.capture(into: frame); return frame.count }
        func write(_ frame: UnsafeBufferPointer<Int16>) throws -> Int { 0 }
        func close() {}
    }
}
