import Glibc
import ParlorProtocol

/// A blocking TCP connection on 127.0.0.1 that sends and receives Parlor's length-prefixed
/// frames, for tests that talk to a peer in another process. Every wait has a timeout.
final class LoopbackConnection {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let timeoutSeconds = 20
    private let descriptor: Int32
    private var frames = ControlFrameReader()

    private init(descriptor: Int32) throws {
        self.descriptor = descriptor
        var timeout = timeval(tv_sec: Self.timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// Connects to `port` on loopback.
    static func connect(port: UInt16) throws -> LoopbackConnection {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = loopback(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(descriptor)
            throw Failure(description: "connect to port \(port): errno \(errno)")
        }
        return try LoopbackConnection(descriptor: descriptor)
    }

    /// A listening socket on an ephemeral loopback port.
    final class Listener {
        let descriptor: Int32
        let port: UInt16

        init() throws {
            let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = LoopbackConnection.loopback(port: 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listening, $0, length) == 0 && listen(listening, 1) == 0 && getsockname(listening, $0, &length) == 0
                }
            }
            guard listening >= 0, ok else {
                close(listening)
                throw Failure(description: "listen: errno \(errno)")
            }
            descriptor = listening
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(descriptor) }

        /// Waits for one connection.
        func accept() throws -> LoopbackConnection {
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, Int32(LoopbackConnection.timeoutSeconds * 1000)) == 1 else {
                throw Failure(description: "no connection within \(LoopbackConnection.timeoutSeconds) s")
            }
            let connection = Glibc.accept(descriptor, nil, nil)
            guard connection >= 0 else { throw Failure(description: "accept: errno \(errno)") }
            return try LoopbackConnection(descriptor: connection)
        }
    }

    func send(frame message: [UInt8]) throws {
        let bytes = try ControlFraming.frame(message)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "write: errno \(errno)") }
            sent += count
        }
    }

    func receiveFrame() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let frame = frames.nextFrame() { return frame }
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { throw Failure(description: "read: \(count == 0 ? "peer closed" : "errno \(errno)")") }
            frames.append(buffer[0..<count])
        }
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
