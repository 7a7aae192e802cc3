/// The control stream's framing on TCP: each Noise message is preceded by its length as 2 bytes
/// big-endian (the Noise specification's own suggestion, §3). `ControlFrameReader` cuts a byte
/// stream back into messages as bytes arrive in any pieces.
public enum ControlFraming {
    /// The largest Noise message, and so the largest frame body.
    public static let maximumFrameLength = 65535

    /// `length(2, BE) ‖ message`.
    public static func frame(_ message: [UInt8]) throws(ParlorProtocolError) -> [UInt8] {
        guard message.count <= maximumFrameLength else {
            throw ParlorProtocolError.invalidLength(what: "Noise message (maximum \(maximumFrameLength))", got: message.count)
        }
        return [UInt8(message.count >> 8), UInt8(truncatingIfNeeded: message.count)] + message
    }
}

/// Reassembles length-prefixed frames from a TCP byte stream.
public struct ControlFrameReader: Sendable {
    private var buffer: [UInt8] = []

    public init() {}

    /// Bytes waiting for the rest of their frame.
    public var bufferedCount: Int { buffer.count }

    /// Adds bytes read from the socket.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        buffer += bytes
    }

    /// The next complete frame's body, or nil until more bytes arrive.
    public mutating func nextFrame() -> [UInt8]? {
        guard buffer.count >= 2 else { return nil }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        guard buffer.count >= 2 + length else { return nil }
        let frame = Array(buffer[2..<2 + length])
        buffer.removeFirst(2 + length)
        return frame
    }
}
