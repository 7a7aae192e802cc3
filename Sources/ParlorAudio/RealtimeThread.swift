import Glibc

/// A dedicated OS thread for audio, with real-time (SCHED_FIFO) priority where the system allows it.
///
/// A normal desktop user has no RLIMIT_RTPRIO, so `pthread_create` with SCHED_FIFO fails with EPERM;
/// the thread then runs at normal priority and `schedule` says why. Never a hard failure.
public final class RealtimeThread: @unchecked Sendable {
    /// How the thread is scheduled.
    public enum Schedule: Sendable, Equatable {
        /// SCHED_FIFO at this priority.
        case realtime(priority: Int32)
        /// SCHED_OTHER, with the reason real-time was refused.
        case normal(reason: String)
    }

    /// The FIFO priority Parlor asks for: above desktop work, below the kernel's own threads.
    public static let defaultPriority: Int32 = 50

    public let schedule: Schedule
    private var thread: pthread_t = 0
    private var joined = false

    /// Starts `body` on a new thread. The body must not allocate, lock or log if it is the audio path.
    public init(priority: Int32 = RealtimeThread.defaultPriority, body: @escaping @Sendable () -> Void) throws {
        let box = Unmanaged.passRetained(ThreadBody(body))
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setinheritsched(&attr, Int32(PTHREAD_EXPLICIT_SCHED))
        pthread_attr_setschedpolicy(&attr, SCHED_FIFO)
        var param = sched_param(sched_priority: priority)
        pthread_attr_setschedparam(&attr, &param)

        var tid: pthread_t = 0
        let rc = pthread_create(&tid, &attr, threadEntry, box.toOpaque())
        if rc == 0 {
            thread = tid
            schedule = .realtime(priority: priority)
            return
        }
        let reason = RealtimeThread.explain(rc)
        let fallback = pthread_create(&tid, nil, threadEntry, box.toOpaque())
        guard fallback == 0 else {
            box.release()
            throw RealtimeThreadError(code: fallback)
        }
        thread = tid
        schedule = .normal(reason: reason)
    }

    /// Waits for the body to return.
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    deinit { join() }

    /// Starts and joins an empty real-time thread: what `parlor doctor` reports.
    public static func probe() -> Schedule {
        do {
            let t = try RealtimeThread {}
            t.join()
            return t.schedule
        } catch {
            return .normal(reason: "\(error)")
        }
    }

    private static func explain(_ rc: Int32) -> String {
        guard rc == EPERM else { return "SCHED_FIFO refused: \(String(cString: strerror(rc)))" }
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(__RLIMIT_RTPRIO.rawValue), &limit)
        return "SCHED_FIFO not permitted (RLIMIT_RTPRIO is \(limit.rlim_cur)); allow it with a line "
            + "such as \"@audio - rtprio 95\" in /etc/security/limits.d/ and join the audio group"
    }
}

/// The thread could not be started at all, not even at normal priority.
public struct RealtimeThreadError: Error, CustomStringConvertible {
    public let code: Int32
    public var description: String { "cannot start audio thread: \(String(cString: strerror(code)))" }
}

private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

private func threadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
    body.run()
    return nil
}
