import Testing
import ParlorCrypto
@testable import ParlorProtocol

@Suite struct MediaDatagramTests {
    let key = SecureRandom.bytes(32)

    @Test func headerIsLittleEndianWithZeroReservedBytes() throws {
        let header = MediaHeader(kind: .media, receiverIndex: 0x0403_0201, counter: 0x0c0b_0a09_0807_0605)
        #expect(header.encoded == [1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        let datagram = MediaDatagram(header: header, ciphertext: [UInt8](repeating: 0, count: 16))
        #expect(try MediaDatagram.decode(datagram.encoded) == datagram)
    }

    @Test func sealedDatagramsOpenOnceWithTheRightIndex() throws {
        var sender = MediaSender(key: key, peerReceiverIndex: 77)
        var receiver = MediaReceiver(key: key, receiverIndex: 77)
        let payload = try MediaPayload(senderSlot: 3, sframe: [1, 2, 3]).encoded()
        let first = try sender.seal(payload)
        let second = try sender.seal([], kind: .keepalive)
        #expect(first.count == 16 + 128 + 16)
        #expect(Array(first[8..<16]) == [0, 0, 0, 0, 0, 0, 0, 0] && second[8] == 1)
        let opened = try receiver.open(second)
        #expect(opened.kind == .keepalive && opened.payload.isEmpty)
        let media = try receiver.open(first)
        #expect(try MediaPayload.decode(media.payload) == MediaPayload(senderSlot: 3, sframe: [1, 2, 3]))
        #expect(throws: ParlorProtocolError.crypto(.replayed(counter: 0))) { try receiver.open(first) }
        var stranger = MediaReceiver(key: key, receiverIndex: 78)
        #expect(throws: ParlorProtocolError.invalidField(message: "datagram", field: "receiver_index", reason: "77 is not this session's")) {
            try stranger.open(first)
        }
    }

    @Test func tamperingAnyByteIsDetected() throws {
        var sender = MediaSender(key: key, peerReceiverIndex: 1)
        let datagram = try sender.seal(try MediaPayload(senderSlot: 1, sframe: [9]).encoded())
        for index in datagram.indices {
            var tampered = datagram
            tampered[index] ^= 0x01
            var receiver = MediaReceiver(key: key, receiverIndex: 1)
            #expect(throws: ParlorProtocolError.self) { try receiver.open(tampered) }
        }
        var receiver = MediaReceiver(key: key, receiverIndex: 1)
        _ = try receiver.open(datagram)
    }

    @Test func malformedDatagramsAreTypedErrors() {
        let cases: [([UInt8], ParlorProtocolError)] = [
            ([], .truncated("datagram type")),
            ([9, 0, 0, 0], .unknownDatagramType(9)),
            ([1, 0, 1, 0], .reservedBitsSet),
            ([1, 0, 0, 0, 1, 2], .truncated("receiver index")),
            ([1, 0, 0, 0, 1, 2, 3, 4, 5], .truncated("datagram counter")),
            ([2, 0, 0, 0] + [UInt8](repeating: 0, count: 12 + 15), .truncated("datagram ciphertext shorter than its tag")),
            ([3, 0, 0, 0] + [UInt8](repeating: 0, count: 60),
             .invalidField(message: "datagram", field: "type", reason: "a cookie reply has no counter")),
            ([UInt8](repeating: 1, count: 1453), .invalidLength(what: "datagram", got: 1453)),
        ]
        for (bytes, error) in cases {
            #expect(throws: error, "\(bytes.prefix(8))") { try MediaDatagram.decode(bytes) }
        }
    }

    @Test func cookieRepliesRoundTrip() throws {
        let reply = try CookieReply(receiverIndex: 5, nonce: [UInt8](repeating: 1, count: 24), sealedCookie: [UInt8](repeating: 2, count: 32))
        #expect(reply.encoded.count == 64)
        #expect(Array(reply.encoded.prefix(8)) == [3, 0, 0, 0, 5, 0, 0, 0])
        #expect(try CookieReply.decode(reply.encoded) == reply)
        #expect(throws: ParlorProtocolError.invalidLength(what: "cookie reply", got: 63)) { try CookieReply.decode(reply.encoded.dropLast()) }
    }

    @Test func payloadsArePaddedToBuckets() throws {
        for (length, bucket) in [(0, 128), (124, 128), (125, 256), (1020, 1024)] {
            let payload = MediaPayload(senderSlot: 0xbeef, sframe: [UInt8](repeating: 0x11, count: length))
            let bytes = try payload.encoded()
            #expect(bytes.count == bucket)
            #expect(Array(bytes.prefix(4)) == [0xbe, 0xef, UInt8(length >> 8), UInt8(length & 0xff)])
            #expect(try MediaPayload.decode(bytes) == payload)
        }
        #expect(throws: ParlorProtocolError.self) { try MediaPayload(senderSlot: 0, sframe: [UInt8](repeating: 0, count: 1021)).encoded() }
        var bytes = try MediaPayload(senderSlot: 1, sframe: [1]).encoded()
        bytes[127] = 1
        #expect(throws: ParlorProtocolError.invalidPadding("media padding is not zeros")) { try MediaPayload.decode(bytes) }
        #expect(throws: ParlorProtocolError.invalidPadding("media payload of 100 bytes is not a bucket size")) {
            try MediaPayload.decode([UInt8](repeating: 0, count: 100))
        }
    }
}
