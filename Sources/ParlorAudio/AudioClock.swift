import Glibc
import Synchronization

/// Where the audio thread gets its time and how it waits for the next period.
///
/// The test devices (`null`, `file`) do not pace in real time, so the engine paces itself
/// against a clock: `MonotonicAudioClock` in production, `ManualAudioClock` in tests.
/// Times are nanoseconds on one monotonic timeline.
public protocol AudioClock: Sendable {
    /// Now, in nanoseconds.
    func now() -> Int64
    /// Returns at `deadline` (or at once when it has passed). Allocates nothing.
    func sleep(until deadline: Int64)
}

/// `CLOCK_MONOTONIC`, waited on with absolute deadlines (`clock_nanosleep` with `TIMER_ABSTIME`),
/// so lateness in one period does not accumulate into the next.
public struct MonotonicAudioClock: AudioClock {
    public init() {}

    public func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public func sleep(until deadline: Int64) {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }
}

/// A clock that moves only when told, or jumps to each deadline it is asked to sleep until:
/// it lets tests run many seconds of audio in milliseconds, deterministically.
public final class ManualAudioClock: AudioClock {
    private let nanoseconds: Atomic<Int64>

    public init(start: Int64 = 0) { nanoseconds = Atomic(start) }

    public func now() -> Int64 { nanoseconds.load(ordering: .acquiring) }

    /// Jumps to `deadline` if it is later than now.
    public func sleep(until deadline: Int64) {
        var current = nanoseconds.load(ordering: .acquiring)
        while current < deadline {
            let (exchanged, original) = nanoseconds.compareExchange(expected: current, desired: deadline, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    /// Moves the clock forward by `delta` nanoseconds.
    public func advance(by delta: Int64) { nanoseconds.add(delta, ordering: .acquiringAndReleasing) }
}
