import NIOCore
import ParlorCrypto
import ParlorProtocol

/// The relay's side of a control session's Noise NK handshake, then its transport encryption.
///
/// Inbound it takes whole frames (after `LengthPrefixFrameDecoder`): the client's handshake
/// message, optionally preceded by a 16-byte cookie MAC frame, then transport messages, each
/// decrypted and passed on as plaintext. Before any Diffie-Hellman work the `HandshakeGate` says
/// whether the handshake goes ahead; if not, the client gets a cookie reply (an empty frame, then
/// the reply) or nothing, and the connection is closed. Outbound it encrypts plaintext messages.
/// A frame that does not decrypt ends the session: a Noise stream cannot resynchronise, and an
/// attacker gains nothing from a second try.
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
        /// Waiting for message 1, after the cookie MAC frame if one came.
        case handshaking(NoiseHandshake, cookieMAC: [UInt8]?)
        case transport(NoiseTransport)
        case failed
    }

    private var state: State
    private let metrics: RelayMetrics
    private let gate: NIOLoopBound<HandshakeGate>

    init(staticKey: X25519KeyPair, metrics: RelayMetrics, gate: NIOLoopBound<HandshakeGate>) throws {
        state = .handshaking(try NoiseHandshake(responderWith: staticKey), cookieMAC: nil)
        self.metrics = metrics
        self.gate = gate
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        let bytes = frame.readBytes(length: frame.readableBytes) ?? []
        switch state {
        case .handshaking(let handshake, cookieMAC: nil) where bytes.count == HandshakeCookie.length:
            // A Noise message 1 is at least 48 bytes: 16 are a cookie MAC for the message to come.
            state = .handshaking(handshake, cookieMAC: bytes)
        case .handshaking(var handshake, let cookieMAC):
            switch gate.value.admit(message1: bytes, mac: cookieMAC, from: context.channel.remoteAddress?.hostBytes ?? [],
                                    now: Monotonic.nanoseconds) {
            case .proceed:
                break
            case .cookie(let reply):
                state = .failed
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: [])), promise: nil)
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: reply))).whenComplete { _ in
                    context.close(promise: nil)
                }
                return
            case .refuse:
                fail(context, .rateLimited)
                return
            }
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
