/// A member as faces name it: the first 6 bytes of its per-room Ed25519 key, in hex. Per-room
/// keys are fresh for every room, so the id says nothing about the person elsewhere.
public struct MemberID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Hex digits in an id.
    public static let length = 12

    public let text: String

    /// The id of the member whose public key is `key` (32 bytes).
    public init(key: [UInt8]) {
        text = key.prefix(Self.length / 2).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Parses an id typed in a command; nil unless it is 12 hex digits.
    public init?(_ text: String) {
        let lower = text.lowercased()
        guard lower.count == Self.length, lower.allSatisfy(\.isHexDigit) else { return nil }
        self.text = lower
    }

    public var description: String { text }
    public static func < (a: MemberID, b: MemberID) -> Bool { a.text < b.text }
}
