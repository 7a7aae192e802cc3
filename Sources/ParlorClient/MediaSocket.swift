import Foundation
import Glibc
import ParlorProtocol

/// The UDP socket a client sends and receives media datagrams on, connected to the relay's UDP
/// port so the kernel drops datagrams from anyone else. `startReading` reads on a thread of its
/// own; `send` may be called from any thread.
final class MediaSocket: @unchecked Sendable {
    let fd: Int32
    private var reader: Thread?

    init(endpoint: RelayEndpoint) throws {
        fd = socket(endpoint.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0, endpoint.connect(fd) else {
            throw ControlConnection.Failure(description: "cannot open a UDP socket to the relay: \(String(cString: strerror(errno)))")
        }
        var buffer: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { Glibc.close(fd) }

    /// Sends one datagram; false when the kernel refused it (e.g. ICMP port unreachable).
    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT)) == bytes.count
    }

    /// Calls `received` with each datagram (in a buffer it may overwrite, valid for the call
    /// only), on a thread of its own, until `shutDown`.
    func startReading(_ received: @escaping @Sendable (UnsafeMutableRawBufferPointer) -> Void) {
        let thread = Thread { [self] in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: MediaDatagram.maximumLength + 1, alignment: 8)
            defer { buffer.deallocate() }
            while true {
                let n = recv(fd, buffer.baseAddress, buffer.count, 0)
                if n > 0, n <= MediaDatagram.maximumLength {
                    received(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]))
                } else if n == 0 || (n < 0 && errno != EINTR && errno != ECONNREFUSED) {
                    return
                }
            }
        }
        thread.name = "parlor-media"
        reader = thread
        thread.start()
    }

    /// Stops the reader: a connected UDP socket's blocking `recv` returns once shut down.
    func shutDown() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }
}
