import NIOCore

/// The UDP socket's handler: every datagram of a recvmmsg batch goes to the core, and once the
/// batch ends the core flushes what it forwarded: the `DatagramBatch` it sealed them into goes to
/// the `DatagramSender` thread, which sends it with sendmmsg on its own descriptor (NIO's channel
/// writes none of them).
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
