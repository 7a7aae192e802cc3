/// Pads a control message to a fixed bucket before Noise encrypts it, so that its size says
/// little: `length(2, BE) ‖ message ‖ zeros`, filled to the smallest bucket that fits.
public enum ControlPadding {
    /// Padded plaintext sizes. The largest, plus the Noise tag, stays under Noise's 65535 bytes.
    public static let buckets = [64, 256, 1024, 4096, 16384]
    static let lengthPrefix = 2

    /// The longest message that fits the largest bucket.
    public static var maximumMessageLength: Int { buckets[buckets.count - 1] - lengthPrefix }

    /// Pads `message` to its bucket.
    public static func pad(_ message: [UInt8]) throws(ParlorProtocolError) -> [UInt8] {
        let needed = message.count + lengthPrefix
        guard let bucket = buckets.first(where: { $0 >= needed }) else {
            throw ParlorProtocolError.invalidLength(what: "control message (maximum \(maximumMessageLength))", got: message.count)
        }
        var writer = ByteWriter()
        writer.bigEndian(UInt64(message.count), width: lengthPrefix)
        writer.append(message)
        writer.append([UInt8](repeating: 0, count: bucket - needed))
        return writer.bytes
    }

    /// Removes the padding; the size must be a bucket and the padding all zeros.
    public static func unpad(_ padded: some Collection<UInt8>) throws(ParlorProtocolError) -> [UInt8] {
        var reader = ByteReader(padded)
        guard buckets.contains(reader.remaining) else {
            throw ParlorProtocolError.invalidPadding("\(reader.remaining) bytes is not a bucket size")
        }
        let length = Int(try reader.bigEndian(lengthPrefix, "padded message length"))
        guard length <= reader.remaining else {
            throw ParlorProtocolError.invalidPadding("length \(length) exceeds the \(reader.remaining) bytes left")
        }
        let message = try reader.bytes(length, "padded message")
        guard reader.rest().allSatisfy({ $0 == 0 }) else { throw ParlorProtocolError.invalidPadding("padding is not zeros") }
        return message
    }
}
