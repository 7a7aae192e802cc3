import Glibc

/// The one monotonic clock of the relay and its benchmark: CLOCK_MONOTONIC, which every process
/// on the machine shares, so a time taken in one process can be compared in another.
public enum Monotonic {
    /// Nanoseconds since an arbitrary fixed point (the machine's boot).
    public static var nanoseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
