import ParlorCrypto

/// What a member says about itself, inside its sealed `profile` blob (docs/PROTOCOL.md §7.3):
/// a TLV record of `1: name text`, `2: title text` (the host's only: the room title),
/// `3: listed bool` (a listener who agrees to be named in the audience), `4: padding` (zeros)
/// that brings every card to one size — 168 bytes, 392 with a title — so the sealed blob's length
/// tells the relay nothing about the name, and `5: signature`: the member key's, binding the card
/// to its member, so that a relay cannot show one member's name (or the host's title) on another.
/// The relay sees only the sealed blob.
public struct ProfileCard: TLVRecord {
    /// Longest name and title, in bytes of UTF-8; longer ones are cut at a character boundary.
    public static let maximumNameBytes = 64
    public static let maximumTitleBytes = 200
    /// The size every card's plaintext is padded to, without and with a title.
    public static let paddedBytes = 168
    public static let paddedBytesWithTitle = 392
    /// The signature's domain-separation prefix.
    public static let signatureLabel = Array("parlor/1 profile".utf8)

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

    /// The card sealed as a display-name blob under the room's metadata key, signed by `signer`,
    /// the member's key in the room `roomID`.
    public func sealed(metadataKey: [UInt8], roomID: [UInt8], signer: Ed25519SigningKey) throws(CryptoError) -> [UInt8] {
        try MetadataBox.seal(plaintext(roomID: roomID, signer: signer), kind: .displayName, metadataKey: metadataKey)
    }

    /// Opens a profile blob and reads its card, which `memberKey` must have signed for `roomID`:
    /// a card the relay moved from another member does not verify (`CryptoError.badSignature`).
    public static func open(_ blob: [UInt8], metadataKey: [UInt8], roomID: [UInt8], memberKey: [UInt8]) throws -> ProfileCard {
        let fields = try TLVFields(try MetadataBox.open(blob, kind: .displayName, metadataKey: metadataKey), context: "profile card")
        let card = try ProfileCard(fields: fields)
        guard let signature = try fields.optionalBytes(5, "signature", length: Ed25519SigningKey.signatureLength),
              Ed25519SigningKey.verify(signature, of: card.signedBytes(roomID: roomID, memberKey: memberKey), publicKey: memberKey) else {
            throw CryptoError.badSignature
        }
        return card
    }

    /// Reads an opened card's plaintext (unknown fields, the padding and the signature, are skipped).
    public static func decode(_ plaintext: [UInt8]) throws(ParlorProtocolError) -> ProfileCard {
        try ProfileCard(fields: TLVFields(plaintext, context: "profile card"))
    }

    /// Fields 1–3 as written: what `decode` reads back (without padding or signature).
    public var encoded: [UInt8] { encodedFields }

    /// What the member key signs: the label, the room id, the member key, then fields 1–3 as
    /// written (a reader writes them again from what it read: the encoding has one form).
    func signedBytes(roomID: [UInt8], memberKey: [UInt8]) -> [UInt8] {
        Self.signatureLabel + roomID + memberKey + encoded
    }

    /// The plaintext that `sealed` seals: the fields, padding to the card's fixed size, then the
    /// signature.
    func plaintext(roomID: [UInt8], signer: Ed25519SigningKey) -> [UInt8] {
        let fields = encoded
        var signature = TLVWriter()
        signature.bytes(5, signer.sign(signedBytes(roomID: roomID, memberKey: signer.publicKey)))
        let target = title == nil ? Self.paddedBytes : Self.paddedBytesWithTitle
        // The padding field's own tag and length take 2 bytes (3 once its length needs a second varint byte).
        var padding = target - fields.count - signature.bytes.count - 2
        if padding >= 128 { padding -= 1 }
        guard padding >= 0 else { return fields + signature.bytes }
        var writer = TLVWriter()
        writer.bytes(4, [UInt8](repeating: 0, count: padding))
        return fields + writer.bytes + signature.bytes
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
