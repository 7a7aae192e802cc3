import NIOCore
import NIOEmbedded
import ParlorCrypto
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

    func channel() throws -> (EmbeddedChannel, EventCatcher) {
        let channel = EmbeddedChannel()
        let catcher = EventCatcher()
        try channel.pipeline.syncOperations.addHandler(try NoiseResponderHandler(staticKey: relayKey, metrics: metrics))
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
}
