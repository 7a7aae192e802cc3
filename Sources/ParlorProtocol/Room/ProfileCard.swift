import ParlorCrypto

/// What a member says about itself, inside its sealed `profile` blob (docs/PROTOCOL.md §7.3):
/// a TLV record of `1: name text`, `2: title text` (the host's only: the room title),
/// `3: listed bool` (a listener who agrees to be named in the audience) and `4: padding` (zeros)
/// that brings every card to one size — 96 bytes, 320 with a title — so the sealed blob's length
/// tells the relay nothing about the name. The relay sees only the sealed blob.
public struct ProfileCard: TLVRecord {
    /// Longest name and title, in bytes of UTF-8; longer ones are cut at a character boundary.
    public static let maximumNameBytes = 64
    public static let maximumTitleBytes = 200
    /// The size every card's plaintext is padded to, without and with a title.
    public static let paddedBytes = 96
    public static let paddedBytesWithTitle = 320

    public var name: String?
    public var title: String?
    public var listed: Bool

    public init(name: String?, title: String? = nil, listed: Bool = false) {
        self.name = name.map { Self.truncated($0, to: Self.maximumNameBytes) }
        self.title = title.map { Self.truncated($0, to: Self.maximumTitleBytes) }
        self.listed = listed
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        name = try fields.optionalText(1, "name")
        title = try fields.optionalText(2, "title")
        listed = try fields.flag(3, "listed")
    }

    public func write(to writer: inout TLVWriter) {
        writer.optionalText(1, name)
        writer.optionalText(2, title)
        writer.flag(3, listed)
    }

    /// The card sealed as a display-name blob under the room's metadata key.
    public func sealed(metadataKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        try MetadataBox.seal(encoded, kind: .displayName, metadataKey: metadataKey)
    }

    /// Opens and reads a profile blob.
    public static func open(_ blob: [UInt8], metadataKey: [UInt8]) throws -> ProfileCard {
        try decode(try MetadataBox.open(blob, kind: .displayName, metadataKey: metadataKey))
    }

    /// Reads an opened card's plaintext (unknown fields are skipped).
    public static func decode(_ plaintext: [UInt8]) throws(ParlorProtocolError) -> ProfileCard {
        try ProfileCard(fields: TLVFields(plaintext, context: "profile card"))
    }

    /// The plaintext that `sealed` seals: the fields, then padding to the card's fixed size.
    public var encoded: [UInt8] {
        let fields = encodedFields
        let target = title == nil ? Self.paddedBytes : Self.paddedBytesWithTitle
        // The padding field's own tag and length take 2 bytes (3 once its length needs a second varint byte).
        var padding = target - fields.count - 2
        if padding >= 128 { padding -= 1 }
        guard padding >= 0 else { return fields }
        var writer = TLVWriter()
        writer.bytes(4, [UInt8](repeating: 0, count: padding))
        return fields + writer.bytes
    }

    static func truncated(_ text: String, to bytes: Int) -> String {
        var result = ""
        for character in text {
            guard result.utf8.count + character.utf8.count <= bytes else { break }
            result.append(character)
        }
        return result
    }
}
