import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import ParlorServer

/// The recvmmsg truncation trap, on real UDP sockets over loopback: with the options applied, a
/// burst of full-size datagrams arrives whole.
@Suite struct MediaSocketOptionsTests {
    final class Collect: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let sizes = Mutex<[Int]>([])
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let size = unwrapInboundIn(data).data.readableBytes
            sizes.withLock { $0.append(size) }
        }
    }

    @Test func aBurstOfFullSizeDatagramsArrivesUntruncated() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let collect = Collect()
        let receiver = try await MediaSocketOptions.apply(to: DatagramBootstrap(group: group))
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(collect) } }
            .bind(host: "127.0.0.1", port: 0).get()
        let sender = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let target = receiver.localAddress!
        let payload = ByteBuffer(repeating: 0xAB, count: 1_400)
        for _ in 0..<64 {
            sender.write(AddressedEnvelope(remoteAddress: target, data: payload), promise: nil)
        }
        sender.flush()
        for _ in 0..<200 where collect.sizes.withLock({ $0.count }) < 64 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let sizes = collect.sizes.withLock { $0 }
        #expect(sizes.count == 64)
        #expect(sizes.allSatisfy { $0 == 1_400 }, "truncated: \(Set(sizes))")
        try await sender.close()
        try await receiver.close()
        try await group.shutdownGracefully()
    }
}
