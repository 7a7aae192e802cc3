import Glibc
import ParlorProtocol
import Synchronization

/// The receiving side of `parlor bench relay`: one thread waits on every listener's UDP socket
/// with poll(2), counts the datagrams that arrive, and opens one in `sampleEvery` (decrypting it
/// with that listener's hop key) to read the send time the speaker put in it.
final class MediaCounter: @unchecked Sendable {
    static let sampleEvery = 8

    private let sockets: [Int32]
    private var receivers: [MediaReceiver]
    private(set) var received = 0
    private(set) var delaysMilliseconds: [Double] = []
    private let done = Atomic<Bool>(false)

    init(_ sessions: [RelaySocketSession]) {
        sockets = sessions.map(\.udp)
        receivers = sessions.map(\.mediaReceiver)
    }

    var finished: Bool { done.load(ordering: .acquiring) }

    func run(until deadline: UInt64) {
        defer { done.store(true, ordering: .releasing) }
        var polled = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 2_048)
        var seen = 0
        while Monotonic.nanoseconds < deadline {
            guard poll(&polled, nfds_t(polled.count), 50) > 0 else { continue }
            for index in polled.indices where polled[index].revents != 0 {
                while true {
                    let n = recv(sockets[index], &buffer, buffer.count, Int32(MSG_DONTWAIT))
                    guard n > 0 else { break }
                    // Keepalive answers are not media.
                    guard buffer[0] == MediaHeader.Kind.media.rawValue else { continue }
                    received += 1
                    seen += 1
                    if seen % Self.sampleEvery == 0 { sample(Array(buffer.prefix(n)), listener: index) }
                }
            }
        }
    }

    private func sample(_ datagram: [UInt8], listener: Int) {
        let now = Monotonic.nanoseconds
        guard let opened = try? receivers[listener].open(datagram), let payload = try? MediaPayload.decode(opened.payload),
              payload.sframe.count >= 8 else { return }
        let sent = payload.sframe.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        if now > sent { delaysMilliseconds.append(Double(now - sent) / 1e6) }
    }
}
