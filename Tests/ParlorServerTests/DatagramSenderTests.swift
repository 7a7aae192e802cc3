import Glibc
import NIOCore
import Testing
@testable import ParlorServer

/// The relay's send path on real loopback sockets: batches filled on one thread, sent with
/// sendmmsg on the sender's, every datagram arriving whole and in order.
@Suite struct DatagramSenderTests {
    @Test func manyBatchesArriveWholeAndInOrder() throws {
        let receiver = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver) }
        var bufferBytes: Int32 = 4 << 20
        setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &bufferBytes, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bound = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        _ = bound.withSockAddr { bind(receiver, $0, socklen_t($1)) }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(receiver, $0, &length) } }
        let target = try #require(DatagramAddress(try SocketAddress(ipAddress: "127.0.0.1", port: Int(UInt16(bigEndian: local.sin_port)))))

        let fd = try MediaSocketOptions.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        defer { close(fd) }
        let metrics = RelayMetrics()
        let sender = DatagramSender(fd: fd, metrics: metrics)
        let batch = DatagramBatch { sender.enqueue($0) }
        let count = DatagramBatch.capacity * 3 + 17
        for n in 0..<count {
            batch.append(to: target) { slot in
                slot.storeBytes(of: UInt32(n).littleEndian, as: UInt32.self)
                return 160
            }
        }
        batch.flush()
        sender.stop()

        var buffer = [UInt8](repeating: 0, count: 2_048)
        for n in 0..<count {
            let received = recv(receiver, &buffer, buffer.count, 0)
            #expect(received == 160)
            let number = buffer.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            guard UInt32(littleEndian: number) == UInt32(n) else {
                Issue.record("datagram \(n) arrived as \(number)")
                return
            }
        }
        #expect(metrics.value(.sendFailed) == 0)
    }
}
