import Testing
@testable import ParlorCrypto

/// Every `Noise_NK_25519_ChaChaPoly_BLAKE2b` vector of cacophony and snow, replayed with their
/// fixed ephemerals from both sides: handshake messages, handshake hash, transport messages.
@Suite struct NoiseVectorTests {
    struct File: Decodable { let vectors: [Vector] }
    struct Message: Decodable { let payload: String; let ciphertext: String }
    struct Vector: Decodable, CustomTestStringConvertible {
        let protocol_name: String
        let init_prologue: String
        let init_ephemeral: String
        let init_remote_static: String
        let resp_static: String
        let resp_ephemeral: String
        let handshake_hash: String?
        let messages: [Message]
        let _source: String
        var testDescription: String { _source }
    }

    static let vectors = (try? Fixture.decode(File.self, from: "noise-nk-blake2b-vectors.json").vectors) ?? []

    @Test func fixtureHoldsBothVectors() {
        #expect(Self.vectors.count == 2)
        #expect(Self.vectors.allSatisfy { $0.protocol_name == NoiseHandshake.protocolName })
    }

    @Test(arguments: vectors)
    func replaysVector(_ vector: Vector) throws {
        let prologue = [UInt8](hex: vector.init_prologue)
        let responderStatic = try X25519KeyPair(privateKey: [UInt8](hex: vector.resp_static))
        #expect(responderStatic.publicKey.hex == vector.init_remote_static)
        var initiator = try NoiseHandshake(role: .initiator, localStatic: nil, remoteStatic: [UInt8](hex: vector.init_remote_static),
                                           prologue: prologue, ephemeral: X25519KeyPair(privateKey: [UInt8](hex: vector.init_ephemeral)))
        var responder = try NoiseHandshake(role: .responder, localStatic: responderStatic, remoteStatic: responderStatic.publicKey,
                                           prologue: prologue, ephemeral: X25519KeyPair(privateKey: [UInt8](hex: vector.resp_ephemeral)))

        let first = vector.messages[0], second = vector.messages[1]
        let message1 = try initiator.writeMessage(payload: [UInt8](hex: first.payload))
        #expect(message1.hex == first.ciphertext)
        #expect(try responder.readMessage(message1).hex == first.payload)
        let message2 = try responder.writeMessage(payload: [UInt8](hex: second.payload))
        #expect(message2.hex == second.ciphertext)
        #expect(try initiator.readMessage(message2).hex == second.payload)
        if let hash = vector.handshake_hash {
            #expect(initiator.handshakeHash.hex == hash)
        }
        #expect(initiator.handshakeHash == responder.handshakeHash)

        var client = try initiator.split()
        var relay = try responder.split()
        #expect(client.mediaKeys.sending == relay.mediaKeys.receiving)
        #expect(client.mediaKeys.receiving == relay.mediaKeys.sending)
        for (index, message) in vector.messages.enumerated().dropFirst(2) {
            let payload = [UInt8](hex: message.payload)
            if index % 2 == 0 {
                let ciphertext = try client.encrypt(payload)
                #expect(ciphertext.hex == message.ciphertext)
                #expect(try relay.decrypt(ciphertext) == payload)
            } else {
                let ciphertext = try relay.encrypt(payload)
                #expect(ciphertext.hex == message.ciphertext)
                #expect(try client.decrypt(ciphertext) == payload)
            }
        }
    }
}

/// The handshake's behaviour beyond the vectors: order, tampering, the wrong relay key.
@Suite struct NoiseHandshakeTests {
    let relayKey = X25519KeyPair.generate()

    func handshake(payload: [UInt8] = []) throws -> (NoiseTransport, NoiseTransport) {
        var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        var relay = try NoiseHandshake(responderWith: relayKey)
        #expect(try relay.readMessage(try client.writeMessage(payload: payload)) == payload)
        _ = try client.readMessage(try relay.writeMessage())
        return (try client.split(), try relay.split())
    }

    @Test func emptyFirstPayloadAndTransportBothWays() throws {
        var (client, relay) = try handshake()
        #expect(client.handshakeHash == relay.handshakeHash)
        for round in 0..<5 {
            let up = Array("up \(round)".utf8), down = Array("down \(round)".utf8)
            #expect(try relay.decrypt(client.encrypt(up)) == up)
            #expect(try client.decrypt(relay.encrypt(down)) == down)
        }
    }

    @Test func firstMessageIsEphemeralPlusTag() throws {
        var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        #expect(try client.writeMessage().count == NoiseHandshake.messageOverhead)
    }

    @Test func aClientPinningAnotherKeyFails() throws {
        var client = try NoiseHandshake(initiatorPinning: X25519KeyPair.generate().publicKey)
        var relay = try NoiseHandshake(responderWith: relayKey)
        #expect(throws: CryptoError.authenticationFailed) { try relay.readMessage(try client.writeMessage()) }
    }

    @Test func everyFlippedByteOfTheFirstMessageIsRejected() throws {
        var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        let message = try client.writeMessage(payload: [1, 2, 3])
        for index in message.indices {
            var tampered = message
            tampered[index] ^= 0x40
            var relay = try NoiseHandshake(responderWith: relayKey)
            #expect(throws: CryptoError.self) { try relay.readMessage(tampered) }
        }
    }

    @Test func outOfOrderCallsAreErrors() throws {
        var client = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        #expect(throws: CryptoError.self) { try client.readMessage([UInt8](repeating: 0, count: 48)) }
        var relay = try NoiseHandshake(responderWith: relayKey)
        #expect(throws: CryptoError.self) { try relay.writeMessage() }
        #expect(throws: CryptoError.self) { try relay.split() }
        #expect(throws: CryptoError.invalidLength(what: "handshake message", expected: 48, got: 47)) {
            try relay.readMessage([UInt8](repeating: 0, count: 47))
        }
    }

    @Test func replayedOrReorderedTransportMessagesFail() throws {
        var (client, relay) = try handshake()
        let first = try client.encrypt([1])
        let second = try client.encrypt([2])
        #expect(throws: CryptoError.authenticationFailed) { try relay.decrypt(second) }
        #expect(try relay.decrypt(first) == [1])
        #expect(throws: CryptoError.authenticationFailed) { try relay.decrypt(first) }
        #expect(try relay.decrypt(second) == [2])
    }

    @Test func oversizedMessagesAreRefused() throws {
        var (client, _) = try handshake()
        #expect(throws: CryptoError.messageTooLong(length: 65520, maximum: 65519)) {
            try client.encrypt([UInt8](repeating: 0, count: 65520))
        }
    }
}
