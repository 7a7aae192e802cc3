import NIOCore

/// The control stream's framing (Noise specification §13): every message is preceded by its length
/// as a 2-byte big-endian integer. Inbound it cuts the stream into messages; a length above
/// `maxMessageBytes` is an error that closes the session, since the stream cannot be resynchronised.
struct LengthPrefixFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct Oversize: Error, Equatable {
        let length: Int
    }

    let maxMessageBytes: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) else { return .needMoreData }
        guard Int(length) <= maxMessageBytes else { throw Oversize(length: Int(length)) }
        guard buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

/// Outbound half of the framing: prefixes each message with its 2-byte big-endian length.
struct LengthPrefixFrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = ByteBuffer

    struct TooLong: Error {}

    func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        guard data.readableBytes <= Int(UInt16.max) else { throw TooLong() }
        out.writeInteger(UInt16(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
