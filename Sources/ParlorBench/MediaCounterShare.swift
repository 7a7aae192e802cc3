import CDatagramBatch
import Glibc
import ParlorProtocol
import ParlorServer

/// One receiving thread's sockets, hop keys and counts; only that thread touches it until it ends.
final class MediaCounterShare: @unchecked Sendable {
    static let batch = 64
    static let slotBytes = 2_048

    private let sockets: [Int32]
    private var receivers: [MediaReceiver]
    private(set) var received = 0
    private(set) var delaysMilliseconds: [Double] = []

    init(_ sessions: [RelaySocketSession]) {
        sockets = sessions.map(\.udp)
        receivers = sessions.map(\.mediaReceiver)
        for fd in sockets {
            var bytes = MediaCounter.receiveBufferBytes
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, socklen_t(MemoryLayout<Int32>.size))
            parlor_enable_arrival_times(fd)
        }
    }

    /// Sweeps until a round after the speakers stopped finds nothing (or the drain time is up).
    func run(sendingEnded: () -> UInt64?) {
        var buffers = [UInt8](repeating: 0, count: Self.batch * Self.slotBytes)
        var lengths = [Int](repeating: 0, count: Self.batch)
        var arrivals = [Int64](repeating: 0, count: Self.batch)
        var seen = 0
        var round = Monotonic.nanoseconds
        while true {
            let ended = sendingEnded()
            var found = 0
            for (listener, fd) in sockets.enumerated() {
                while true {
                    let n = Int(parlor_receive_batch(fd, &buffers, Self.slotBytes, UInt32(Self.batch), &lengths, &arrivals))
                    for i in 0..<max(n, 0) where buffers[i * Self.slotBytes] == MediaHeader.Kind.media.rawValue {
                        // Keepalive answers are not media.
                        received += 1
                        seen += 1
                        if seen % MediaCounter.sampleEvery == 0 {
                            let start = i * Self.slotBytes
                            sample(Array(buffers[start..<start + lengths[i]]), listener: listener, arrival: arrivals[i])
                        }
                    }
                    found += max(n, 0)
                    if n < Self.batch { break }
                }
            }
            if let ended, found == 0 || Monotonic.nanoseconds - ended > MediaCounter.maximumDrainNanoseconds { return }
            round = max(round + MediaCounter.roundNanoseconds, Monotonic.nanoseconds)
            var deadline = timespec(tv_sec: Int(round / 1_000_000_000), tv_nsec: Int(round % 1_000_000_000))
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil)
        }
    }

    private func sample(_ datagram: [UInt8], listener: Int, arrival: Int64) {
        guard arrival > 0, let opened = try? receivers[listener].open(datagram), let payload = try? MediaPayload.decode(opened.payload),
              payload.sframe.count >= 8 else { return }
        let sent = payload.sframe.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        if UInt64(arrival) > sent { delaysMilliseconds.append(Double(UInt64(arrival) - sent) / 1e6) }
    }
}
