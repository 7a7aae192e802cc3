/// Base64 with the URL- and filename-safe alphabet and no padding (RFC 4648 §5), strict: only
/// alphabet characters, no impossible length, and the unused low bits of the last character zero,
/// so every byte string has exactly one encoding.
enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            let characters = chunk.count + 1
            for position in 0..<characters {
                out.append(alphabet[Int(value >> (18 - 6 * UInt32(position)) & 0x3f)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes, or a message saying what is wrong.
    static func decode(_ text: Substring) -> Result<[UInt8], ParlorProtocolError> {
        var values: [UInt32] = []
        for (position, character) in text.utf8.enumerated() {
            guard let value = alphabet.firstIndex(of: character) else {
                return .failure(.invalidLink("character \(position + 1) of the key part is not base64url"))
            }
            values.append(UInt32(value))
        }
        guard values.count % 4 != 1 else { return .failure(.invalidLink("the key part has an impossible base64url length")) }
        var out: [UInt8] = []
        var index = 0
        while index < values.count {
            let group = Array(values[index..<min(index + 4, values.count)])
            let bits = group.enumerated().reduce(UInt32(0)) { $0 | $1.element << (18 - 6 * UInt32($1.offset)) }
            let byteCount = group.count - 1
            for position in 0..<byteCount {
                out.append(UInt8(truncatingIfNeeded: bits >> (16 - 8 * UInt32(position))))
            }
            let unusedBits = (UInt32(1) << (24 - 8 * UInt32(byteCount))) - 1
            guard bits & unusedBits == 0 else {
                return .failure(.invalidLink("the key part's last base64url character has stray bits"))
            }
            index += 4
        }
        return .success(out)
    }
}
