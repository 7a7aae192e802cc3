import Glibc
import Synchronization

/// What the audio thread runs once a period while a room is on: the media loop
/// (`RoomClient`'s pipeline). It must not block, wait on a lock a slow path holds, or allocate.
public protocol AudioPeriodHandler: AnyObject {
    /// One period: `captured` is the frame the microphone gave (nil when it gave none); fill
    /// `play` with the frame to play. `now` is the period's time on the monotonic clock.
    func period(captured: UnsafeBufferPointer<Int16>?, play: UnsafeMutableBufferPointer<Int16>, now: Int64)
}

/// The audio thread: once a period it reads a captured frame and writes a frame to play.
/// With a handler attached (a room), the handler turns the one into the other on this thread:
/// the sound card's clock paces the whole media loop. Without one, captured frames go to
/// `captured` and frames to play come from `toPlay` (or silence).
///
/// A sound card paces the thread: its reads block until a period is captured. The `file` and
/// `null` devices do not block, so then the thread paces itself against an `AudioClock` with
/// absolute deadlines. There is one clock either way.
///
/// Frames cross threads only through the two lock-free rings and the handler. The loop allocates
/// nothing, takes no lock, logs nothing and never touches Swift concurrency; what happens there
/// is counted in atomics (`statistics`) for others to report.
///
/// The devices belong to the audio thread between `start()` and `stop()`; that is the invariant
/// behind `@unchecked Sendable`.
public final class AudioEngine: @unchecked Sendable {
    /// What the audio thread did, as counts since `start()`.
    public struct Statistics: Sendable, Equatable {
        public var periods = 0
        /// Captured frames dropped because the encoder side did not keep up.
        public var captureOverflows = 0
        /// Periods played as silence because the mixer had no frame ready.
        public var playbackUnderflows = 0
        /// Device calls that failed even after `snd_pcm_recover`.
        public var deviceErrors = 0
        /// Xruns (underruns, overruns, suspends) the devices recovered from with `snd_pcm_recover`;
        /// audio carries on after each.
        public var xruns = 0
        /// Times the audio thread woke more than `starvationPeriods` late because the machine did
        /// not run it: a sound card's buffer runs dry then (and it counts an xrun too); the time
        /// missed is skipped, as after an xrun, and the thread keeps its pace from there.
        public var lateWakeups = 0
    }

    public let frameSamples: Int
    /// Captured frames, from the audio thread to the encoder.
    public let captured: SPSCRing
    /// Mixed frames, from the mixer to the audio thread.
    public let toPlay: SPSCRing
    /// The capture device now (see `useCapture`).
    public var capture: any AudioDevice { Unmanaged<DeviceBox>.fromOpaque(captureSlot.load(ordering: .acquiring)).takeUnretainedValue().device }
    public let playback: any AudioDevice
    public let clock: any AudioClock

    private let running = Atomic<Bool>(false)
    private let periods = Atomic<Int>(0)
    private let captureOverflows = Atomic<Int>(0)
    private let playbackUnderflows = Atomic<Int>(0)
    private let deviceErrors = Atomic<Int>(0)
    private let lateWakeups = Atomic<Int>(0)
    /// The microphone's level, measured on the audio thread and published as Float bit patterns.
    private var microphone = LevelMeter()
    private let microphoneRMS = Atomic<UInt32>(LevelMeter.floor.bitPattern)
    private let microphonePeak = Atomic<UInt32>(LevelMeter.floor.bitPattern)
    private let captureFrame: UnsafeMutableBufferPointer<Int16>
    private let playFrame: UnsafeMutableBufferPointer<Int16>
    private var thread: RealtimeThread?
    /// The attached handler, as an unretained pointer to its box; `boxes` keeps every box alive
    /// for the engine's life, so the audio thread never races a release.
    private let handler = Atomic<UnsafeMutableRawPointer?>(nil)
    private var boxes: [HandlerBox] = []
    /// The capture device the audio thread reads from the next period on, and the one it read
    /// in its last period; `deviceBoxes` keeps every box alive for the engine's life.
    private let captureSlot: Atomic<UnsafeMutableRawPointer>
    private let captureInUse: Atomic<UnsafeMutableRawPointer?> = Atomic(nil)
    private var deviceBoxes: [DeviceBox] = []
    /// Xruns of capture devices closed since `start()`.
    private let retiredCaptureXruns = Atomic<Int>(0)

    private final class HandlerBox {
        let handler: any AudioPeriodHandler
        init(_ handler: any AudioPeriodHandler) { self.handler = handler }
    }

    private final class DeviceBox {
        let device: any AudioDevice
        init(_ device: any AudioDevice) { self.device = device }
    }

    /// An engine over two devices; `ringFrames` frames of slack each way (160 ms at 20 ms).
    public init(capture: any AudioDevice, playback: any AudioDevice, frameSamples: Int,
                clock: any AudioClock = MonotonicAudioClock(), ringFrames: Int = 8) {
        let box = DeviceBox(capture)
        deviceBoxes.append(box)
        captureSlot = Atomic(Unmanaged.passUnretained(box).toOpaque())
        self.playback = playback
        self.frameSamples = frameSamples
        self.clock = clock
        captured = SPSCRing(frameSamples: frameSamples, capacity: ringFrames)
        toPlay = SPSCRing(frameSamples: frameSamples, capacity: ringFrames)
        captureFrame = .allocate(capacity: frameSamples)
        captureFrame.initialize(repeating: 0)
        playFrame = .allocate(capacity: frameSamples)
        playFrame.initialize(repeating: 0)
    }

    deinit {
        stop()
        captureFrame.deallocate()
        playFrame.deallocate()
    }

    /// The period in nanoseconds.
    public var periodNanoseconds: Int64 { Int64(frameSamples) * 1_000_000_000 / Int64(OpusSettings.sampleRate) }

    public var statistics: Statistics {
        Statistics(periods: periods.load(ordering: .relaxed),
                   captureOverflows: captureOverflows.load(ordering: .relaxed),
                   playbackUnderflows: playbackUnderflows.load(ordering: .relaxed),
                   deviceErrors: deviceErrors.load(ordering: .relaxed),
                   xruns: retiredCaptureXruns.load(ordering: .relaxed) + capture.xrunsRecovered + playback.xrunsRecovered,
                   lateWakeups: lateWakeups.load(ordering: .relaxed))
    }

    /// Lateness, in periods, after which the thread counts itself starved: the length of a sound
    /// card's buffer as Parlor configures it (`ALSAAudioDevice.defaultPeriods`), so past it a card
    /// would have run dry.
    public static let starvationPeriods = ALSAAudioDevice.defaultPeriods

    /// The level of the last captured frame, for the microphone meter: RMS and held peak in
    /// dBFS (`LevelMeter.floor` for silence). Safe to read from any thread.
    public var microphoneLevel: (rms: Float, peak: Float) {
        (Float(bitPattern: microphoneRMS.load(ordering: .relaxed)), Float(bitPattern: microphonePeak.load(ordering: .relaxed)))
    }

    /// The one warning to show when the audio thread runs at normal priority because the system
    /// refused SCHED_FIFO (nil when it runs real-time, or before `start()`). It names the cause
    /// and the fix, e.g. `audio runs at normal priority and may stutter when the machine is busy:
    /// SCHED_FIFO not permitted (RLIMIT_RTPRIO is 0); allow it with …`. Set by `start()`; read it
    /// from the thread that called `start()`.
    public private(set) var realtimeWarning: String?

    /// Hands the audio thread's periods to `handler` from the next period on (nil: back to the
    /// rings). Call it from one thread at a time; a handler stays referenced until the engine
    /// goes, so one the audio thread is still running is never freed under it.
    public func attach(_ handler: (any AudioPeriodHandler)?) {
        guard let handler else { return self.handler.store(nil, ordering: .releasing) }
        let box = HandlerBox(handler)
        boxes.append(box)
        self.handler.store(Unmanaged.passUnretained(box).toOpaque(), ordering: .releasing)
    }

    /// Periods `useCapture` waits for the audio thread to leave the old device before it gives up
    /// closing it (a starved thread); the device is then closed when the engine stops.
    static let captureHandOverPeriods = 25

    /// Captures from `device` from the next period on and closes the device used until now, once
    /// the audio thread no longer reads it: a member opens the microphone when it goes on stage
    /// and closes it when it leaves (`NullAudioDevice` captures nothing). Call it from one thread
    /// at a time, not the audio thread. Returns whether the old device was closed now (false
    /// only when the audio thread did not come round in `captureHandOverPeriods`).
    @discardableResult
    public func useCapture(_ device: any AudioDevice) -> Bool {
        let box = DeviceBox(device)
        deviceBoxes.append(box)
        let new = Unmanaged.passUnretained(box).toOpaque()
        let old = captureSlot.exchange(new, ordering: .acquiringAndReleasing)
        let oldDevice = Unmanaged<DeviceBox>.fromOpaque(old).takeUnretainedValue().device
        if thread != nil {
            // The thread reads the slot at the start of each period and marks what it read at the
            // end; once it marks the new box it never reads the old one again.
            let patience = Self.captureHandOverPeriods * Int(periodNanoseconds / 1_000_000)
            var waitedMilliseconds = 0
            while captureInUse.load(ordering: .acquiring) != new, waitedMilliseconds < patience {
                usleep(1_000)
                waitedMilliseconds += 1
            }
            guard captureInUse.load(ordering: .acquiring) == new else {
                lingering.append(oldDevice)
                return false
            }
        }
        retiredCaptureXruns.add(oldDevice.xrunsRecovered, ordering: .relaxed)
        oldDevice.close()
        return true
    }

    /// Capture devices `useCapture` could not close yet; closed when the engine stops.
    private var lingering: [any AudioDevice] = []

    /// Whether the devices pace the thread (a sound card); otherwise it paces itself.
    public var pacedByDevice: Bool { capture.pacesInRealTime || playback.pacesInRealTime }

    /// Starts the audio thread, SCHED_FIFO where allowed, otherwise at normal priority with
    /// `realtimeWarning` set (never a failure). Returns how it is scheduled.
    @discardableResult
    public func start() throws -> RealtimeThread.Schedule {
        if let thread { return thread.schedule }
        running.store(true, ordering: .releasing)
        let t = try RealtimeThread { [self] in loop() }
        thread = t
        switch t.schedule {
        case .realtime: realtimeWarning = nil
        case .normal(let reason): realtimeWarning = AudioEngine.normalPriorityWarning + reason
        }
        return t.schedule
    }

    /// How `realtimeWarning` starts; the reason follows.
    public static let normalPriorityWarning = "audio runs at normal priority and may stutter when the machine is busy: "

    /// Stops the audio thread and waits for it.
    public func stop() {
        running.store(false, ordering: .releasing)
        thread?.join()
        thread = nil
        for device in lingering { device.close() }
        lingering.removeAll()
    }

    /// One period of work: capture a frame, play a frame. The thread's loop calls this; tests
    /// call it directly to step the engine without a thread.
    public func runPeriod() {
        var gotFrame = false
        let captureBox = captureSlot.load(ordering: .acquiring)
        let capture = Unmanaged<DeviceBox>.fromOpaque(captureBox).takeUnretainedValue().device
        defer { captureInUse.store(captureBox, ordering: .releasing) }
        do {
            if try capture.read(into: captureFrame) == frameSamples {
                gotFrame = true
                microphone.measure(UnsafeBufferPointer(captureFrame))
                microphoneRMS.store(microphone.rms.bitPattern, ordering: .relaxed)
                microphonePeak.store(microphone.peak.bitPattern, ordering: .relaxed)
            }
        } catch {
            deviceErrors.add(1, ordering: .relaxed)
        }
        if let box = handler.load(ordering: .acquiring) {
            let handler = Unmanaged<HandlerBox>.fromOpaque(box).takeUnretainedValue().handler
            handler.period(captured: gotFrame ? UnsafeBufferPointer(captureFrame) : nil, play: playFrame, now: clock.now())
        } else {
            if gotFrame, !captured.push(UnsafeBufferPointer(captureFrame)) { captureOverflows.add(1, ordering: .relaxed) }
            if !toPlay.pop(into: playFrame) {
                playFrame.update(repeating: 0)
                playbackUnderflows.add(1, ordering: .relaxed)
            }
        }
        do {
            _ = try playback.write(UnsafeBufferPointer(playFrame))
        } catch {
            deviceErrors.add(1, ordering: .relaxed)
        }
        periods.add(1, ordering: .relaxed)
    }

    /// One turn of the audio thread's loop: a period of work, then (on devices that do not pace)
    /// the wait for the next deadline after `deadline`; returns that deadline. A wake-up more than `starvationPeriods`
    /// late is counted in `lateWakeups`, and the missed time is skipped, as on a card after an
    /// xrun (catching up in a burst would only play stale audio late): the next deadline is then
    /// now. Tests step the paced loop with it.
    public func step(from deadline: Int64) -> Int64 {
        runPeriod()
        // A sound card's blocking read and write were the wait.
        if pacedByDevice { return clock.now() }
        let next = deadline + periodNanoseconds
        clock.sleep(until: next)
        let now = clock.now()
        guard now - next > Int64(Self.starvationPeriods) * periodNanoseconds else { return next }
        lateWakeups.add(1, ordering: .relaxed)
        return now
    }

    private func loop() {
        var deadline = clock.now()
        while running.load(ordering: .acquiring) { deadline = step(from: deadline) }
    }
}
