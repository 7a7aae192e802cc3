import ParlorCrypto

/// What a listed room shows in the relay's public directory (docs/PROTOCOL.md §4.3): a record of
/// `1: title text` and `2: link text` (its listen link), sealed as a kind 5 blob under the
/// directory key, which anyone who knows the relay can derive. Listing a room publishes its listen
/// link: anyone who reads the directory — the relay's operator included — can listen, which is
/// what a public room is. Unlisted rooms are never in the directory.
public struct DirectoryCard: TLVRecord {
    public var title: String
    public var link: String

    public init(title: String, link: String) {
        self.title = ProfileCard.truncated(title, to: ProfileCard.maximumTitleBytes)
        self.link = link
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        title = try fields.optionalText(1, "title") ?? ""
        guard let link = try fields.optionalText(2, "link") else { throw ParlorProtocolError.missingField(message: "directory card", field: "link") }
        self.link = link
    }

    public func write(to writer: inout TLVWriter) {
        writer.optionalText(1, title)
        writer.optionalText(2, link)
    }

    /// The card sealed for the directory of the relay whose public key is `relayPublicKey`.
    public func sealed(relayPublicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        try MetadataBox.seal(encodedFields, kind: .directoryTitle, metadataKey: MetadataBox.directoryKey(relayPublicKey: relayPublicKey))
    }

    /// Opens a directory entry's sealed card.
    public static func open(_ blob: [UInt8], relayPublicKey: [UInt8]) throws -> DirectoryCard {
        let plaintext = try MetadataBox.open(blob, kind: .directoryTitle, metadataKey: MetadataBox.directoryKey(relayPublicKey: relayPublicKey))
        return try DirectoryCard(fields: TLVFields(plaintext, context: "directory card"))
    }
}
