import ParlorCrypto
import ParlorProtocol

/// One fuzz input: any bytes as a datagram (media, keepalive or cookie reply), as a media
/// payload, as a frame body (a frame and its redundant copies), and through a receiver's replay
/// window and authentication.
func fuzzMediaDatagram(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let datagram = try? MediaDatagram.decode(bytes), datagram.encoded != bytes {
        fatalError("datagram did not round-trip")
    }
    if let reply = try? CookieReply.decode(bytes), reply.encoded != bytes {
        fatalError("cookie reply did not round-trip")
    }
    // A sender may pad to a larger bucket than needed, so compare values, not bytes.
    if let payload = try? MediaPayload.decode(bytes), (try? MediaPayload.decode(payload.encoded())) != payload {
        fatalError("media payload did not round-trip")
    }
    if let body = try? MediaFrameBody.parse(bytes) {
        var copies: [[UInt8]] = []
        var distance = 1
        while let copy = body.copy(distance: distance) {
            copies.append(Array(bytes[copy]))
            distance += 1
        }
        guard copies.count == body.redundancy, (try? MediaFrameBody.encode(frame: Array(bytes[body.primary]), copies: copies)) == bytes else {
            fatalError("frame body did not round-trip")
        }
    }
    var receiver = MediaReceiver(key: [UInt8](repeating: 7, count: 32), receiverIndex: 0)
    _ = try? receiver.open(bytes)
    var window = ReplayWindow()
    for chunk in stride(from: 0, to: bytes.count - 7, by: 8) {
        let counter = bytes[chunk..<chunk + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let fresh = window.isFresh(counter)
        guard window.accept(counter) == fresh, !window.isFresh(counter) else { fatalError("replay window inconsistent") }
    }
    return 0
}
