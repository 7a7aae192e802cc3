import CDatagramBatch
import Dispatch
import Foundation
import Glibc
import ParlorProtocol
import ParlorServer
import Synchronization

/// Counts what the relay sent to a set of listener sockets and what of it arrived, without
/// decrypting anything: the relay seals every datagram to one session (media and keepalive
/// answers alike) with the next value of that session's counter, which travels in the clear in
/// the header. From the first datagram a socket receives to its last, each counter missing is a
/// datagram lost. Sockets can be added while it runs (listeners that join late).
final class HopCounterTally: Sendable {
    /// What the sockets received between their first and last datagram.
    struct Figures: Sendable {
        var expected = 0
        var received = 0
        var lossPercent: Double { expected > 0 ? Double(max(expected - received, 0)) * 100 / Double(expected) : 0 }
    }

    static let roundNanoseconds: UInt64 = 100_000_000
    static let batch = 64
    static let slotBytes = 2_048
    /// Each socket's receive buffer: many rounds of its 50 datagrams/s.
    static let receiveBufferBytes: Int32 = 1 << 20
    /// How long after `finish` the sweeps go on while datagrams still arrive.
    static let maximumDrainNanoseconds: UInt64 = 5_000_000_000

    private let added = Mutex<[Int32]>([])
    private let finishing = Atomic<UInt64>(0)
    private let figures = Mutex(Figures())
    private let group = DispatchGroup()

    /// Starts the sweeping thread.
    func start() {
        group.enter()
        Thread { [self] in
            figures.withLock { $0 = sweep() }
            group.leave()
        }.start()
    }

    /// Adds a socket; its count starts with the next datagram it receives.
    func add(_ fd: Int32) {
        var bytes = Self.receiveBufferBytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, socklen_t(MemoryLayout<Int32>.size))
        added.withLock { $0.append(fd) }
    }

    /// Waits until datagrams stop arriving and returns the figures.
    func finish() -> Figures {
        finishing.store(Monotonic.nanoseconds, ordering: .releasing)
        group.wait()
        return figures.withLock { $0 }
    }

    private func sweep() -> Figures {
        var sockets: [Int32] = []
        var first: [UInt64] = [], last: [UInt64] = [], count: [Int] = []
        var buffers = [UInt8](repeating: 0, count: Self.batch * Self.slotBytes)
        var lengths = [Int](repeating: 0, count: Self.batch)
        var arrivals = [Int64](repeating: 0, count: Self.batch)
        var round = Monotonic.nanoseconds
        while true {
            let ended = finishing.load(ordering: .acquiring)
            for fd in added.withLock({ fds in defer { fds.removeAll() }; return fds }) {
                sockets.append(fd)
                first.append(.max)
                last.append(0)
                count.append(0)
            }
            var found = 0
            for (i, fd) in sockets.enumerated() {
                while true {
                    let n = Int(parlor_receive_batch(fd, &buffers, Self.slotBytes, UInt32(Self.batch), &lengths, &arrivals))
                    for d in 0..<max(n, 0) where lengths[d] >= MediaHeader.length {
                        let start = d * Self.slotBytes
                        let counter = (0..<8).reduce(UInt64(0)) { $0 | UInt64(buffers[start + 8 + $1]) << (8 * UInt64($1)) }
                        first[i] = min(first[i], counter)
                        last[i] = max(last[i], counter)
                        count[i] += 1
                    }
                    found += max(n, 0)
                    if n < Self.batch { break }
                }
            }
            if ended != 0, found == 0 || Monotonic.nanoseconds - ended > Self.maximumDrainNanoseconds { break }
            round = max(round + Self.roundNanoseconds, Monotonic.nanoseconds)
            var deadline = timespec(tv_sec: Int(round / 1_000_000_000), tv_nsec: Int(round % 1_000_000_000))
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil)
        }
        var result = Figures()
        for i in sockets.indices where count[i] > 0 {
            result.expected += Int(last[i] - first[i]) + 1
            result.received += count[i]
        }
        return result
    }
}
