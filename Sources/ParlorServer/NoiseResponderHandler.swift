import NIOCore
import ParlorCrypto

/// The relay's side of a control session's Noise NK handshake, then its transport encryption.
///
/// Inbound it takes whole frames (after `LengthPrefixFrameDecoder`): the first is the client's
/// handshake message, answered at once; every later one is decrypted and passed on as plaintext.
/// Outbound it encrypts plaintext messages. A frame that does not decrypt ends the session: a
/// Noise stream cannot resynchronise, and an attacker gains nothing from a second try.
final class NoiseResponderHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Fired inbound once the handshake completes, before any plaintext.
    struct Established {
        let handshakeHash: [UInt8]
        let mediaKeys: MediaKeys
        /// The client's first-message payload (replayable: only idempotent data belongs there).
        let initialPayload: [UInt8]
    }

    private enum State {
        case handshaking(NoiseHandshake)
        case transport(NoiseTransport)
        case failed
    }

    private var state: State
    private let metrics: RelayMetrics

    init(staticKey: X25519KeyPair, metrics: RelayMetrics) throws {
        state = .handshaking(try NoiseHandshake(responderWith: staticKey))
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        let bytes = frame.readBytes(length: frame.readableBytes) ?? []
        switch state {
        case .handshaking(var handshake):
            do {
                let payload = try handshake.readMessage(bytes)
                let reply = try handshake.writeMessage()
                let transport = try handshake.split()
                state = .transport(transport)
                metrics.add(.handshakes)
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: reply)), promise: nil)
                context.fireUserInboundEventTriggered(Established(
                    handshakeHash: transport.handshakeHash, mediaKeys: transport.mediaKeys, initialPayload: payload))
            } catch {
                fail(context, .handshakeFailed)
            }
        case .transport(var transport):
            do {
                let plaintext = try transport.decrypt(bytes)
                state = .transport(transport)
                context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: plaintext)))
            } catch {
                fail(context, .unauthenticated)
            }
        case .failed:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .transport(var transport) = state else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var message = unwrapOutboundIn(data)
        do {
            let ciphertext = try transport.encrypt(message.readBytes(length: message.readableBytes) ?? [])
            state = .transport(transport)
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: ciphertext)), promise: promise)
        } catch {
            promise?.fail(error)
            fail(context, .oversize)
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: RelayMetrics.DropReason) {
        state = .failed
        metrics.dropped(reason)
        context.close(promise: nil)
    }
}
