import ParlorCrypto

/// What a chat blob (docs/PROTOCOL.md §7.3, kind 3) carries, sealed under the room's metadata key:
///
///     message   = 1 ‖ id(16) ‖ sent(8, BE, ms) ‖ signature(64) ‖ text (UTF-8, ≤ 1,000 bytes)
///     retract   = 2 ‖ id(16) ‖ moderator key(32) ‖ has grant(1) ‖ [grant(169)] ‖ signature(64)
///     charter   = 3 ‖ the host's charter (§7.5), carrying the room's chat setting
///
/// A message is signed by its author's member key over `"parlor/1 chat" ‖ room id ‖ id ‖ sent ‖
/// text`; the key is not in the message (a listener's key stays hidden from other listeners):
/// whoever the relay names as sender must have made the signature. A retraction is signed by the
/// moderator over `"parlor/1 chat retract" ‖ room id ‖ id` and carries the host's grant making it
/// a moderator (none for the host itself), so it is checked against the host key, never against
/// what the relay says about roles.
enum ChatBlob: Equatable {
    case message(id: [UInt8], sent: UInt64, signature: [UInt8], text: String)
    case retraction(id: [UInt8], moderator: [UInt8], grant: Grant?, signature: [UInt8])
    case charter(RoomCharter)

    static let messageLabel = Array("parlor/1 chat".utf8)
    static let retractLabel = Array("parlor/1 chat retract".utf8)
    static let idLength = 16
    /// The longest text a message carries, in bytes (the blob stays under the relay's 2,048).
    static let maximumTextBytes = 1_000

    enum Op: UInt8 { case message = 1, retraction = 2, charter = 3 }

    struct Malformed: Error {}

    var encoded: [UInt8] {
        switch self {
        case let .message(id, sent, signature, text):
            [Op.message.rawValue] + id + Self.bigEndian(sent) + signature + Array(text.utf8)
        case let .retraction(id, moderator, grant, signature):
            [Op.retraction.rawValue] + id + moderator + [grant == nil ? 0 : 1] + (grant?.encoded ?? []) + signature
        case .charter(let charter):
            [Op.charter.rawValue] + charter.encoded
        }
    }

    init(encoded bytes: [UInt8]) throws {
        guard let op = bytes.first.flatMap(Op.init(rawValue:)) else { throw Malformed() }
        let body = Array(bytes.dropFirst())
        let signatureLength = Ed25519SigningKey.signatureLength
        switch op {
        case .message:
            let head = Self.idLength + 8 + signatureLength
            guard body.count >= head, body.count - head <= Self.maximumTextBytes,
                  let text = String(validating: body[head...], as: UTF8.self) else { throw Malformed() }
            self = .message(id: Array(body[..<Self.idLength]), sent: Self.readBigEndian(body[Self.idLength..<(Self.idLength + 8)]),
                            signature: Array(body[(Self.idLength + 8)..<head]), text: text)
        case .retraction:
            let fixed = Self.idLength + 32 + 1
            guard body.count >= fixed else { throw Malformed() }
            let hasGrant = body[fixed - 1]
            let grantLength = hasGrant == 1 ? Grant.encodedLength : 0
            guard hasGrant <= 1, body.count == fixed + grantLength + signatureLength else { throw Malformed() }
            let grant = hasGrant == 1 ? try Grant(encoded: body[fixed..<(fixed + grantLength)]) : nil
            self = .retraction(id: Array(body[..<Self.idLength]), moderator: Array(body[Self.idLength..<(Self.idLength + 32)]),
                               grant: grant, signature: Array(body[(fixed + grantLength)...]))
        case .charter:
            self = .charter(try RoomCharter(encoded: body))
        }
    }

    static func messageSigned(roomID: [UInt8], id: [UInt8], sent: UInt64, text: String) -> [UInt8] {
        messageLabel + roomID + id + bigEndian(sent) + Array(text.utf8)
    }

    static func retractSigned(roomID: [UInt8], id: [UInt8]) -> [UInt8] {
        retractLabel + roomID + id
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func readBigEndian(_ bytes: some Collection<UInt8>) -> UInt64 {
        bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}

/// What a reaction blob (kind 4) carries: `reaction(1) ‖ sent(8, BE, ms) ‖ signature(64)`, signed
/// by the sender's member key over `"parlor/1 reaction" ‖ room id ‖ reaction ‖ sent`.
struct ReactionBlob: Equatable {
    let reaction: Reaction
    let sent: UInt64
    let signature: [UInt8]

    static let label = Array("parlor/1 reaction".utf8)

    init(reaction: Reaction, sent: UInt64, signature: [UInt8]) {
        self.reaction = reaction
        self.sent = sent
        self.signature = signature
    }

    init(encoded bytes: [UInt8]) throws {
        guard bytes.count == 1 + 8 + Ed25519SigningKey.signatureLength, let reaction = Reaction(rawValue: bytes[0]) else {
            throw ChatBlob.Malformed()
        }
        self.init(reaction: reaction, sent: ChatBlob.readBigEndian(bytes[1..<9]), signature: Array(bytes[9...]))
    }

    var encoded: [UInt8] { [reaction.rawValue] + ChatBlob.bigEndian(sent) + signature }

    static func signed(roomID: [UInt8], reaction: Reaction, sent: UInt64) -> [UInt8] {
        label + roomID + [reaction.rawValue] + ChatBlob.bigEndian(sent)
    }
}
