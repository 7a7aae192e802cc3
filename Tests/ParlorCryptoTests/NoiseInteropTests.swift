import Testing
@testable import ParlorCrypto

/// Parlor's Noise NK against Python's `noiseprotocol` over real loopback TCP with the 2-byte
/// length framing, in both roles: handshake (empty first payload), then transport both ways.
@Suite(.serialized) struct NoiseInteropTests {
    static let rounds = 3

    static func message(_ name: String, _ round: Int) -> [UInt8] {
        Array("\(name) says \(round)".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: round * 6000)
    }

    @Test func parlorClientAgainstPythonRelay() throws {
        let relayKey = X25519KeyPair.generate()
        let python = try PythonPeer { ["respond", relayKey.privateKey.hex, $0.appendingPathComponent("port").path] }
        let port = try #require(UInt16(try python.waitForFile("port")))
        let connection = try LoopbackConnection.connect(port: port)

        var handshake = try NoiseHandshake(initiatorPinning: relayKey.publicKey)
        try connection.send(frame: handshake.writeMessage(payload: []))
        let reply = try handshake.readMessage(connection.receiveFrame())
        #expect(reply == Array("relay hello".utf8))
        var transport = try handshake.split()
        for round in 0..<Self.rounds {
            try connection.send(frame: transport.encrypt(Self.message("parlor", round)))
            let received = try transport.decrypt(connection.receiveFrame())
            #expect(received == Self.message("python", round))
        }
        let pythonHash = try python.finish()
        #expect(pythonHash == transport.handshakeHash.hex)
    }

    @Test func pythonClientAgainstParlorRelay() throws {
        let relayKey = X25519KeyPair.generate()
        let listener = try LoopbackConnection.Listener()
        let python = try PythonPeer { _ in ["initiate", relayKey.publicKey.hex, String(listener.port)] }
        let connection = try listener.accept()

        var handshake = try NoiseHandshake(responderWith: relayKey)
        let first = try handshake.readMessage(connection.receiveFrame())
        #expect(first.isEmpty)
        try connection.send(frame: handshake.writeMessage(payload: Array("relay hello".utf8)))
        var transport = try handshake.split()
        for round in 0..<Self.rounds {
            let received = try transport.decrypt(connection.receiveFrame())
            #expect(received == Self.message("python", round))
            try connection.send(frame: transport.encrypt(Self.message("parlor", round)))
        }
        let pythonHash = try python.finish()
        #expect(pythonHash == transport.handshakeHash.hex)
    }
}
