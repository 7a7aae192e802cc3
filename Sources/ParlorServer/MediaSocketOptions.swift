import Glibc
import NIOCore
import NIOPosix

/// How the relay's UDP media socket is set up for vectored I/O.
///
/// Reads use recvmmsg (`datagramVectorReadMessageCount`). NIO cuts ONE receive buffer into that
/// many slices, so the allocator must hold `count × the largest datagram`, or datagrams are
/// silently truncated (platform-notes §7). Writes bypass NIO: the relay makes the socket itself
/// (`bind(to:)`), hands it to NIO for reading, and sends its fan-out with sendmmsg from
/// `DatagramBatch`es, on the `DatagramSender` thread.
public enum MediaSocketOptions {
    /// Datagrams read per recvmmsg call.
    public static let vectorReadCount = 32
    /// The room each datagram gets in the shared receive buffer (above any valid datagram).
    public static let slotBytes = 2_048
    /// The kernel receive buffer asked for: bursts of a busy room fit (the kernel may cap it).
    public static let receiveBufferBytes = 4 << 20

    /// Why the media socket could not be made.
    public struct SocketError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A UDP socket bound to `address` (the TCP listener's, so both share the port), for
    /// `DatagramBootstrap.withBoundSocket`, which then owns and closes it.
    public static func bind(to address: SocketAddress) throws -> Int32 {
        let fd = socket(Int32(address.protocol.rawValue), Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "cannot make a UDP socket (errno \(errno))") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        // Never fragment: media datagrams are far below any path MTU, and with DF set the kernel
        // skips choosing an IP id for each of the thousands of datagrams a frame fans out to.
        var dontFragment = Int32(IP_PMTUDISC_DO)
        if address.protocol == .inet {
            setsockopt(fd, Int32(IPPROTO_IP), IP_MTU_DISCOVER, &dontFragment, socklen_t(MemoryLayout<Int32>.size))
        } else {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_DONTFRAG, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockAddr { Glibc.bind(fd, $0, socklen_t($1)) }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw SocketError(description: "cannot bind UDP to \(address) (errno \(error))")
        }
        return fd
    }

    /// Applies the options to a datagram bootstrap.
    public static func apply(to bootstrap: DatagramBootstrap) -> DatagramBootstrap {
        bootstrap
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: receiveBufferBytes)
            .channelOption(.socketOption(.so_sndbuf), value: receiveBufferBytes)
            .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: vectorReadCount * slotBytes))
    }
}
