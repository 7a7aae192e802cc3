import NIOCore

/// The UDP socket's handler: every datagram of a recvmmsg batch goes to the core, and the
/// forwarded datagrams are flushed once the batch ends, so NIO sends them with sendmmsg.
final class MediaChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let core: NIOLoopBound<RelayCore>

    init(core: NIOLoopBound<RelayCore>) { self.core = core }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        core.value.receive(datagram: Array(envelope.data.readableBytesView), from: envelope.remoteAddress, now: Monotonic.nanoseconds)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        core.value.flushOutputs()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A send to a client that went away (ICMP unreachable) must not stop the relay.
        core.value.metrics.dropped(.sendFailed)
    }
}
