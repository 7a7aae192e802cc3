import Testing
import ParlorCrypto
import ParlorProtocol

/// Handshake, then control messages both ways through padding, Noise and framing.
@Suite struct ControlSessionTests {
    @Test func messagesCrossInPaddedEncryptedFrames() throws {
        let relayKey = X25519KeyPair.generate()
        var clientHandshake = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        var relayHandshake = try NoiseHandshake(responderWith: relayKey)
        _ = try relayHandshake.readMessage(clientHandshake.writeMessage())
        _ = try clientHandshake.readMessage(relayHandshake.writeMessage())
        var client = ControlSession(transport: try clientHandshake.split())
        var relay = ControlSession(transport: try relayHandshake.split())

        let member = Ed25519SigningKey.generate()
        let join = ControlMessage.join(Join(roomID: try RoomKeys.roomID(hostKey: member.publicKey), signingKey: member,
                                            boxKey: X25519KeyPair.generate().publicKey, handshakeHash: client.handshakeHash, link: nil))
        let frame = try client.seal(join)
        #expect(frame.count == 2 + 256 + 16)
        var reader = ControlFrameReader()
        reader.append(frame)
        let body = reader.nextFrame()
        let received = try relay.open(try #require(body))
        #expect(received == join)
        guard case let .join(joinBody) = received else { return }
        #expect(joinBody.hasValidProof(handshakeHash: relay.handshakeHash))

        let ping = try relay.seal(.ping(Ping(nonce: 1)))
        #expect(ping.count == 2 + 64 + 16)
        #expect(try client.open(Array(ping.dropFirst(2))) == .ping(Ping(nonce: 1)))
        #expect(throws: ParlorProtocolError.crypto(.authenticationFailed)) { try client.open(Array(ping.dropFirst(2))) }
        #expect(client.mediaKeys.sending == relay.mediaKeys.receiving)
    }
}
