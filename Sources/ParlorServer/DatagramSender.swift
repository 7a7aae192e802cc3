import Foundation
import Synchronization

/// Sends the relay's forwarded datagrams on a thread of its own.
///
/// On a busy room most of the relay's work per forwarded datagram is the kernel's (the send
/// system call: routing, the socket, the device); sealing it is a fraction of that. So the event
/// loop seals datagrams into a `DatagramBatch` and hands each full batch here, in exchange for an
/// empty one, and this thread makes the sendmmsg calls: the two run on two cores, and the loop
/// stays free for control traffic. Batches go out in the order handed over. When all `depth`
/// batches are waiting to go, the loop waits for one: the relay cannot forward faster than the
/// kernel sends, and waiting keeps each member's datagrams in order.
final class DatagramSender: @unchecked Sendable {
    /// Batches in flight between the loop and this thread.
    static let depth = 8

    private let fd: Int32
    private let metrics: RelayMetrics
    /// Full batches waiting to go, oldest first, and empty ones for the loop; guarded by `lock`.
    private var waiting: [DatagramBatch] = []
    private var spare: [DatagramBatch]
    private var stopping = false
    private let lock = NSCondition()
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the sending thread for the UDP socket `fd`.
    init(fd: Int32, metrics: RelayMetrics) {
        self.fd = fd
        self.metrics = metrics
        spare = (0..<Self.depth).map { _ in DatagramBatch() }
        let thread = Thread { [self] in run() }
        thread.name = "parlor-relay-udp-send"
        thread.start()
    }

    /// Takes `batch`'s datagrams to send and leaves it empty.
    func enqueue(_ batch: DatagramBatch) {
        lock.lock()
        while spare.isEmpty && !stopping { lock.wait() }
        guard let empty = spare.popLast() else {
            lock.unlock()
            batch.removeAll()
            return
        }
        empty.swapContents(with: batch)
        waiting.append(empty)
        lock.broadcast()
        lock.unlock()
    }

    /// Gives back the pages of the batches not in use (a relay that forwarded to thousands
    /// keeps all of them resident otherwise); for an idle relay.
    func releaseSpareMemory() {
        lock.lock()
        for batch in spare { batch.releasePages() }
        lock.unlock()
    }

    /// Sends what is waiting, then ends the thread; returns once it has ended (before the socket closes).
    func stop() {
        lock.lock()
        stopping = true
        lock.broadcast()
        lock.unlock()
        finished.wait()
    }

    private func run() {
        while true {
            lock.lock()
            while waiting.isEmpty && !stopping { lock.wait() }
            guard !waiting.isEmpty else {
                lock.unlock()
                finished.signal()
                return
            }
            let batch = waiting.removeFirst()
            lock.unlock()

            let sent = batch.send(on: fd)
            if sent < batch.count { metrics.dropped(.sendFailed, batch.count - sent) }
            batch.removeAll()

            lock.lock()
            spare.append(batch)
            lock.broadcast()
            lock.unlock()
        }
    }
}
