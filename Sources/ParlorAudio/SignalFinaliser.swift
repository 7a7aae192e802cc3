import Glibc
import Synchronization

/// Finalises every open `WAVWriter`'s header, for whoever handles the process's SIGINT and
/// SIGTERM (ParlorApp's `ProcessSignals`) before the process ends.
///
/// Each writer registers its descriptor in a slot of atomics made before any signal arrives, and
/// `finaliseAll` only reads them and calls `fstat` and `pwrite` (async-signal-safe, so it could
/// run in a signal handler too). It takes the data size from the file's length, which is right
/// even when it runs between a `write` and the writer's own bookkeeping.
/// There are `capacity` slots; a writer beyond them is still finalised on `close()`.
public enum SignalFinaliser {
    /// How many writers can be open at once and finalised by `finaliseAll`.
    public static let capacity = 32

    /// One open writer's descriptor, readable from any thread or a signal handler.
    public final class Slot: Sendable {
        let fd = Atomic<Int32>(-1)
    }

    private static let slots: [Slot] = (0..<capacity).map { _ in Slot() }

    /// Writes every registered writer's header now.
    public static func finaliseAll() {
        for slot in slots {
            let fd = slot.fd.load(ordering: .acquiring)
            var info = stat()
            if fd >= 0, fstat(fd, &info) == 0 {
                let samples = max(Int64(info.st_size) - Int64(WAVFormat.headerBytes), 0) & ~1
                WAVWriter.finaliseHeader(fd: fd, dataBytes: samples)
            }
        }
    }

    static func register(fd: Int32) -> Slot? {
        for slot in slots where slot.fd.compareExchange(expected: -1, desired: fd, ordering: .acquiringAndReleasing).exchanged {
            return slot
        }
        return nil
    }

    static func unregister(_ slot: Slot?) {
        slot?.fd.store(-1, ordering: .releasing)
    }
}
