import NIOCore
import NIOEmbedded
import ParlorCrypto
import ParlorProtocol
import Testing
@testable import ParlorServer

@Suite struct NoiseResponderHandlerTests {
    final class EventCatcher: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var established: NoiseResponderHandler.Established?
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            established = event as? NoiseResponderHandler.Established
            context.fireUserInboundEventTriggered(event)
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }
    }

    let relayKey = X25519KeyPair.generate()
    let metrics = RelayMetrics()

    func channel(gate: HandshakeGate? = nil) throws -> (EmbeddedChannel, EventCatcher) {
        let channel = EmbeddedChannel()
        let catcher = EventCatcher()
        let gate = gate ?? HandshakeGate(relayKey: relayKey.publicKey, limits: RelayLimits(), metrics: metrics, now: 0)
        try channel.pipeline.syncOperations.addHandler(try NoiseResponderHandler(staticKey: relayKey, metrics: metrics,
                                                                                 gate: NIOLoopBound(gate, eventLoop: channel.eventLoop)))
        try channel.pipeline.syncOperations.addHandler(catcher)
        return (channel, catcher)
    }

    func bytes(_ buffer: ByteBuffer?) -> [UInt8] { buffer.map { Array($0.readableBytesView) } ?? [] }

    @Test func handshakeThenTransportBothWays() throws {
        let (channel, catcher) = try channel()
        var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        try channel.writeInbound(ByteBuffer(bytes: try client.writeMessage(payload: Array("hello".utf8))))
        #expect(catcher.established?.initialPayload == Array("hello".utf8))
        _ = try client.readMessage(bytes(try channel.readOutbound(as: ByteBuffer.self)))
        var transport = try client.split()
        #expect(transport.handshakeHash == catcher.established?.handshakeHash)
        #expect(transport.mediaKeys.sending == catcher.established?.mediaKeys.receiving)

        try channel.writeInbound(ByteBuffer(bytes: try transport.encrypt([1, 2, 3])))
        #expect(bytes(try channel.readInbound(as: ByteBuffer.self)) == [1, 2, 3])
        try channel.writeOutbound(ByteBuffer(bytes: [4, 5]))
        #expect(try transport.decrypt(bytes(try channel.readOutbound(as: ByteBuffer.self))) == [4, 5])
        #expect(metrics.value(.handshakes) == 1)
    }

    @Test func aClientPinningAnotherKeyFailsAndIsCounted() throws {
        let (channel, _) = try channel()
        var client = try NoiseHandshake(initiatorPinning: X25519KeyPair.generate().publicKey)
        try channel.writeInbound(ByteBuffer(bytes: try client.writeMessage()))
        #expect(!channel.isActive)
        #expect(metrics.value(.handshakeFailed) == 1)
    }

    @Test func aTamperedTransportFrameEndsTheSession() throws {
        let (channel, _) = try channel()
        var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        try channel.writeInbound(ByteBuffer(bytes: try client.writeMessage()))
        _ = try client.readMessage(bytes(try channel.readOutbound(as: ByteBuffer.self)))
        var transport = try client.split()
        var frame = try transport.encrypt([9, 9, 9])
        frame[0] ^= 1
        try channel.writeInbound(ByteBuffer(bytes: frame))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(!channel.isActive)
        #expect(metrics.value(.unauthenticated) == 1)
    }

    @Test func aboveTheHandshakeRateACookieComesFirstThenItsMACGetsThrough() throws {
        var limits = RelayLimits()
        limits.handshakesPerSecond = 1
        let gate = HandshakeGate(relayKey: relayKey.publicKey, limits: limits, metrics: metrics, now: Monotonic.nanoseconds)
        var first = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        try channel(gate: gate).0.writeInbound(ByteBuffer(bytes: try first.writeMessage()))
        #expect(metrics.value(.handshakes) == 1)

        // Over the rate: no Noise work, an empty frame and a cookie reply, then the connection closes.
        let (refused, _) = try channel(gate: gate)
        var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        let message1 = try client.writeMessage()
        try refused.writeInbound(ByteBuffer(bytes: message1))
        #expect(bytes(try refused.readOutbound(as: ByteBuffer.self)) == [])
        let reply = bytes(try refused.readOutbound(as: ByteBuffer.self))
        #expect(reply.count == CookieReply.length)
        #expect(!refused.isActive)
        #expect(metrics.value(.handshakes) == 1 && metrics.value(.cookieReplies) == 1)

        // A MAC made with another cookie earns only a fresh cookie.
        let (forged, _) = try channel(gate: gate)
        var other = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        let otherMessage = try other.writeMessage()
        try forged.writeInbound(ByteBuffer(bytes: HandshakeCookie(secret: [UInt8](repeating: 1, count: 32), address: []).mac(for: otherMessage)))
        try forged.writeInbound(ByteBuffer(bytes: otherMessage))
        #expect(bytes(try forged.readOutbound(as: ByteBuffer.self)) == [])
        #expect(metrics.value(.handshakes) == 1 && metrics.value(.cookieReplies) == 2)

        // The client's retry: the cookie's MAC of its new message 1, then message 1.
        let cookie = try HandshakeCookie(reply: reply, relayKey: relayKey.publicKey, message1: message1)
        let (retry, catcher) = try channel(gate: gate)
        var again = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        let retryMessage = try again.writeMessage()
        try retry.writeInbound(ByteBuffer(bytes: cookie.mac(for: retryMessage)))
        try retry.writeInbound(ByteBuffer(bytes: retryMessage))
        #expect(catcher.established != nil)
        _ = try again.readMessage(bytes(try retry.readOutbound(as: ByteBuffer.self)))
        #expect(metrics.value(.handshakes) == 2)
    }
}
