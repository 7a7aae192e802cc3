import Glibc
import Synchronization

/// Finalises every open `WAVWriter`'s header when the process gets SIGINT or SIGTERM, then lets
/// the signal do what it would have done (the default action: the process ends).
///
/// The handler may run on any thread at any moment, so it only reads atomics from slots made
/// before it was installed and calls `fstat`, `pwrite`, `signal` and `raise`, all
/// async-signal-safe. It takes the data size from the file's length, which is right even when
/// the signal lands between a `write` and the writer's own bookkeeping.
/// There are `capacity` slots; a writer beyond them is still finalised on `close()`.
public enum SignalFinaliser {
    /// How many writers can be open at once and finalised by the handler.
    public static let capacity = 32

    /// One open writer's descriptor, readable from the handler.
    public final class Slot: Sendable {
        let fd = Atomic<Int32>(-1)
    }

    private static let slots: [Slot] = (0..<capacity).map { _ in Slot() }
    private static let installed = Atomic<Bool>(false)

    /// Installs the SIGINT and SIGTERM handlers (once; later calls do nothing). The headless
    /// faces call this at start; `WAVWriter` calls it too, so recording is covered either way.
    public static func install() {
        _ = slots.count // initialise the slots before any signal can arrive
        guard !installed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = signalFinaliserHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }

    /// Runs the handler's work now: writes every registered header. What the handler calls.
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
        install()
        for slot in slots where slot.fd.compareExchange(expected: -1, desired: fd, ordering: .acquiringAndReleasing).exchanged {
            return slot
        }
        return nil
    }

    static func unregister(_ slot: Slot?) {
        slot?.fd.store(-1, ordering: .releasing)
    }
}

private func signalFinaliserHandler(_ signal: Int32) {
    SignalFinaliser.finaliseAll()
    Glibc.signal(signal, SIG_DFL)
    raise(signal)
}
