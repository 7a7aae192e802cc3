import NIOCore
import NIOEmbedded
import Testing
@testable import ParlorServer

@Suite struct LengthPrefixFrameCodecTests {
    func channel(max: Int = 100) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixFrameDecoder(maxMessageBytes: max)))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(LengthPrefixFrameEncoder()))
        return channel
    }

    @Test func messagesSplitAcrossAndWithinReadsAreReassembled() throws {
        let channel = try channel()
        var first = ByteBuffer(bytes: [0, 3, 1, 2])
        try channel.writeInbound(first)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        first = ByteBuffer(bytes: [3, 0, 0, 0, 1, 9])
        try channel.writeInbound(first)
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [1, 2, 3]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer())
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [9]))
    }

    @Test func oversizeLengthIsAnError() throws {
        let channel = try channel(max: 10)
        #expect(throws: LengthPrefixFrameDecoder.Oversize(length: 11)) {
            try channel.writeInbound(ByteBuffer(bytes: [0, 11]))
        }
    }

    @Test func outboundMessagesGetTheirLength() throws {
        let channel = try channel()
        try channel.writeOutbound(ByteBuffer(bytes: [7, 7, 7]))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [0, 3, 7, 7, 7]))
    }
}
