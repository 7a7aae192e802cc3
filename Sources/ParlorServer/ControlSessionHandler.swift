import NIOCore
import ParlorProtocol

/// The last handler of a control connection: registers the session with the core, passes it the
/// handshake result and every message, enforces the handshake and idle timeouts, and tells the
/// core when the connection goes.
final class ControlSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ControlMessage

    private let core: NIOLoopBound<RelayCore>
    private var session: SessionID?
    private var handshakeTimer: Scheduled<Void>?

    init(core: NIOLoopBound<RelayCore>) { self.core = core }

    func channelActive(context: ChannelHandlerContext) {
        guard let id = core.value.open(channel: context.channel, now: Monotonic.nanoseconds) else {
            context.close(promise: nil)
            return
        }
        session = id
        let channel = context.channel
        let limit = core.value.limits.handshakeTimeoutSeconds
        handshakeTimer = context.eventLoop.scheduleTask(in: .seconds(Int64(limit))) {
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let established = event as? NoiseResponderHandler.Established, let session {
            handshakeTimer?.cancel()
            core.value.established(session, established)
        } else if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        core.value.receive(unwrapInboundIn(data), from: session, now: Monotonic.nanoseconds)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        if let session { core.value.close(session) }
        session = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Framing errors (an oversize length) and I/O errors end the session; they are counted.
        if error is LengthPrefixFrameDecoder.Oversize { core.value.metrics.dropped(.oversize) }
        context.close(promise: nil)
    }
}
