/// An opaque blob for the room: chat or a reaction, sealed under the room's metadata key
/// (docs/PROTOCOL.md §7.3), which the relay passes on without reading (`blob_send`, type 33).
public struct BlobSend: TLVRecord {
    /// The largest blob the relay passes on; a longer one is refused with error 1.
    public static let maximumBytes = 2_048

    public var blob: [UInt8]
    public init(blob: [UInt8]) { self.blob = blob }
    public init(fields: TLVFields) throws(ParlorProtocolError) { blob = try fields.bytes(1, "blob") }
    public func write(to writer: inout TLVWriter) { writer.bytes(1, blob) }
}

/// A member's blob as the relay delivers it (`blob_delivery`, type 34). `memberKey` names the
/// sender only for recipients who may see it (docs/PROTOCOL.md §4.4): a listener's blob reaches
/// other non-moderators without it, so no listener learns another listener's key.
public struct BlobDelivery: TLVRecord {
    /// The sender's member key; absent when the sender is a listener and the recipient may not see it.
    public var memberKey: [UInt8]?
    public var blob: [UInt8]

    public init(memberKey: [UInt8]?, blob: [UInt8]) {
        self.memberKey = memberKey
        self.blob = blob
    }

    public init(fields: TLVFields) throws(ParlorProtocolError) {
        memberKey = try fields.optionalKey(1, "member_key")
        blob = try fields.bytes(2, "blob")
    }

    public func write(to writer: inout TLVWriter) {
        writer.optionalBytes(1, memberKey)
        writer.bytes(2, blob)
    }
}
