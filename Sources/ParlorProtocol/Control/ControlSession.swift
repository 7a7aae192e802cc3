import ParlorCrypto

/// The control channel after the handshake: each control message is padded to its bucket,
/// encrypted as one Noise transport message, and framed with its 2-byte length.
public struct ControlSession: Sendable {
    /// The Noise transport under the session. Only a tool that writes frames of its own (the
    /// bad-input campaign replays one) should touch it: every message sealed advances its nonce.
    public var transport: NoiseTransport

    public init(transport: NoiseTransport) {
        self.transport = transport
    }

    /// The Noise handshake hash (what a `join` proof signs).
    public var handshakeHash: [UInt8] { transport.handshakeHash }

    /// This side's media keys.
    public var mediaKeys: MediaKeys { transport.mediaKeys }

    /// The bytes to write to the TCP stream for `message`.
    public mutating func seal(_ message: ControlMessage) throws(ParlorProtocolError) -> [UInt8] {
        let padded = try ControlPadding.pad(message.encoded)
        let sealed: [UInt8]
        do {
            sealed = try transport.encrypt(padded)
        } catch {
            throw ParlorProtocolError.crypto(error)
        }
        return try ControlFraming.frame(sealed)
    }

    /// Decrypts one frame body (from `ControlFrameReader`) and decodes the message in it.
    public mutating func open(_ frame: [UInt8]) throws(ParlorProtocolError) -> ControlMessage {
        let padded: [UInt8]
        do {
            padded = try transport.decrypt(frame)
        } catch {
            throw ParlorProtocolError.crypto(error)
        }
        return try ControlMessage.decode(ControlPadding.unpad(padded))
    }
}
