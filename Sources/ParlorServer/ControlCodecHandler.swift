import NIOCore
import ParlorProtocol

/// Turns a control session's plaintext into `ControlMessage`s and back: padding (fixed buckets, so
/// sizes say little) and the TLV codec. A message that does not parse is dropped and counted and
/// the session goes on: the Noise stream around it is intact.
final class ControlCodecHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ControlMessage
    typealias OutboundIn = ControlMessage
    typealias OutboundOut = ByteBuffer

    private let metrics: RelayMetrics

    init(metrics: RelayMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let plaintext = unwrapInboundIn(data)
        do {
            let message = try ControlMessage.decode(try ControlPadding.unpad(plaintext.readableBytesView))
            metrics.add(.controlMessages)
            context.fireChannelRead(wrapInboundOut(message))
        } catch {
            metrics.dropped(.malformed)
            let code: ErrorMessage.Code
            switch error {
            case .unsupportedVersion: code = .unsupportedVersion
            case .unknownMessageType: code = .unknownMessage
            default: code = .malformedMessage
            }
            let reply = ControlMessage.error(ErrorMessage(code: code.rawValue, text: "\(error)"))
            context.writeAndFlush(wrapOutboundOut(encode(reply, context)), promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(wrapOutboundOut(encode(unwrapOutboundIn(data), context)), promise: promise)
    }

    private func encode(_ message: ControlMessage, _ context: ChannelHandlerContext) -> ByteBuffer {
        // Every message the relay builds fits the largest bucket; a roster too long for it is cut
        // by the core before it gets here, so padding cannot fail on the relay's own messages.
        let padded = (try? ControlPadding.pad(message.encoded)) ?? []
        return context.channel.allocator.buffer(bytes: padded)
    }
}
