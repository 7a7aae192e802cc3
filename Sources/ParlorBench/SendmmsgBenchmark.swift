import CDatagramBatch
import Foundation

/// The floor under the relay's fan-out: what the kernel alone charges to send one datagram on
/// loopback with sendmmsg, through the same C batch sender the relay uses (`parlor_send_batch`),
/// to as many receiving sockets as a room has listeners. `parlor bench relay`'s CPU per
/// forwarded packet is read against this figure: the relay's own work is the difference.
public enum SendmmsgBenchmark {
    public struct Figure: Sendable {
        public let receivers: Int
        public let datagrams: Int
        /// The sending thread's CPU time per datagram the kernel took, in microseconds.
        public let microsecondsPerDatagram: Double
        public let sent: Int
        /// Datagrams found in the receivers' sockets afterwards: all of them, or the figure
        /// would include the kernel dropping for a full buffer.
        public let delivered: Int
    }

    /// Datagrams each receiving socket gets at most: its default buffer (208 KiB) holds them all.
    public static let perReceiver = 100

    /// Bytes of each datagram: a 128-byte media payload in its 16-byte header and 16-byte tag.
    static let datagramBytes = 160
    /// Datagrams per sendmmsg batch, as the relay fills one read batch's fan-out.
    static let batch = 256

    /// Sends `perReceiver` datagrams to each of `count` receivers.
    public static func run(receivers count: Int) throws -> Figure {
        let total = count * perReceiver / batch * batch
        let sender = try socket()
        defer { close(sender) }
        var receivers: [Int32] = []
        defer { receivers.forEach { close($0) } }
        var addresses: [parlor_datagram_address] = []
        for _ in 0..<count {
            let fd = try socket()
            receivers.append(fd)
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            var destination = parlor_datagram_address()
            withUnsafeMutableBytes(of: &destination.storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: &address, count: Int(length))) }
            destination.length = length
            addresses.append(destination)
        }
        let buffers = [UInt8](repeating: 0xa5, count: batch * datagramBytes)
        let lengths = [Int](repeating: datagramBytes, count: batch)
        var destinations = [parlor_datagram_address](repeating: addresses[0], count: batch)
        var sent = 0
        var next = 0
        let start = threadCPU()
        while sent < total {
            for i in 0..<batch {
                destinations[i] = addresses[next % count]
                next += 1
            }
            let taken = buffers.withUnsafeBufferPointer { data in
                lengths.withUnsafeBufferPointer { sizes in
                    parlor_send_batch(sender, data.baseAddress, datagramBytes, sizes.baseAddress, destinations, UInt32(batch))
                }
            }
            sent += Int(taken)
            if taken == 0 { usleep(100) }
        }
        let seconds = threadCPU() - start
        var delivered = 0
        var inbox = [UInt8](repeating: 0, count: 64 * datagramBytes)
        var sizes = [Int](repeating: 0, count: 64)
        var arrivals = [Int64](repeating: 0, count: 64)
        for fd in receivers {
            while true {
                let read = parlor_receive_batch(fd, &inbox, datagramBytes, 64, &sizes, &arrivals)
                guard read > 0 else { break }
                delivered += Int(read)
            }
        }
        return Figure(receivers: count, datagrams: total, microsecondsPerDatagram: seconds * 1e6 / Double(sent), sent: sent,
                      delivered: delivered)
    }

    public static func text(_ f: Figure) -> String {
        String(format: "sendmmsg on loopback to %d receivers: %.2f µs of CPU per datagram (%d datagrams of %d bytes, batches of %d; %d delivered)",
               f.receivers, f.microsecondsPerDatagram, f.sent, datagramBytes, batch, f.delivered)
    }

    /// A non-blocking UDP socket on 127.0.0.1 (as the relay benchmark's), on a free port.
    private static func socket() throws -> Int32 {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw RelayBenchmark.Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw RelayBenchmark.Failure(description: "bind: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    private static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
