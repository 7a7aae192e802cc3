import NIOCore
import NIOPosix

/// How the relay's UDP media socket is set up for vectored I/O.
///
/// Reads use recvmmsg (`datagramVectorReadMessageCount`). NIO cuts ONE receive buffer into that
/// many slices, so the allocator must hold `count × the largest datagram`, or datagrams are
/// silently truncated (platform-notes §7). Writes become sendmmsg by themselves when several are
/// flushed at once, which the forwarding handler does once per read batch.
public enum MediaSocketOptions {
    /// Datagrams read per recvmmsg call.
    public static let vectorReadCount = 32
    /// The room each datagram gets in the shared receive buffer (above any valid datagram).
    public static let slotBytes = 2_048
    /// The kernel receive buffer asked for: bursts of a busy room fit (the kernel may cap it).
    public static let receiveBufferBytes = 4 << 20

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
