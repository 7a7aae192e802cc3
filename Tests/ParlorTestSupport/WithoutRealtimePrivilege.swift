import Foundation
import Glibc

/// Runs code as an ordinary desktop user's audio code would run: on a dedicated thread that has
/// given up CAP_SYS_NICE, with RLIMIT_RTPRIO at 0, so the kernel refuses SCHED_FIFO with EPERM.
///
/// Capabilities belong to each thread on Linux, and `capset` changes only the calling thread's
/// (and the threads it then creates), so the rest of the test process, which may be running
/// other suites in parallel, keeps its privileges. The soft RLIMIT_RTPRIO is process-wide, but
/// lowering it to 0 changes nothing for threads that keep CAP_SYS_NICE.
public enum WithoutRealtimePrivilege {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
    static let capabilityVersion3: UInt32 = 0x2008_0522
    /// `CAP_SYS_NICE`: what lets a thread raise its scheduling policy regardless of rlimits.
    static let capSysNice: UInt32 = 23

    struct Header {
        var version: UInt32
        var pid: Int32
    }

    struct Data {
        var effective: UInt32
        var permitted: UInt32
        var inheritable: UInt32
    }

    typealias CapabilityCall = @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int32

    /// Runs `body` on a new thread without real-time privilege and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(__RLIMIT_RTPRIO.rawValue), &limit)
        if limit.rlim_cur != 0 {
            limit.rlim_cur = 0
            setrlimit(__rlimit_resource_t(__RLIMIT_RTPRIO.rawValue), &limit)
        }
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            do {
                try dropSysNice()
                outcome.result = .success(try body())
            } catch {
                outcome.result = .failure(error)
            }
        }
        thread.start()
        done.wait()
        return try outcome.result!.get()
    }

    /// Removes CAP_SYS_NICE from this thread's effective and permitted sets (glibc exports
    /// `capget`/`capset` without declaring them, so they are looked up by name).
    static func dropSysNice() throws {
        guard let get = dlsym(nil, "capget"), let set = dlsym(nil, "capset") else {
            throw Unavailable(description: "capget/capset not found in libc")
        }
        let capget = unsafeBitCast(get, to: CapabilityCall.self)
        let capset = unsafeBitCast(set, to: CapabilityCall.self)
        var header = Header(version: capabilityVersion3, pid: 0)
        var data = [Data](repeating: Data(effective: 0, permitted: 0, inheritable: 0), count: 2)
        guard capget(&header, &data) == 0 else { throw Unavailable(description: "capget: \(String(cString: strerror(errno)))") }
        let mask = ~(UInt32(1) << capSysNice)
        data[0].effective &= mask
        data[0].permitted &= mask
        data[0].inheritable &= mask
        guard capset(&header, &data) == 0 else { throw Unavailable(description: "capset: \(String(cString: strerror(errno)))") }
    }

    /// Carries the body's result back from its thread; the semaphore orders the accesses.
    final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }
}
