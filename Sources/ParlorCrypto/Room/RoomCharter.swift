/// The host's signed list of the links that admit members now (docs/PROTOCOL.md §7.5). A ban
/// replaces the banned member's link with a fresh one and signs a charter with a higher version;
/// the relay then refuses joins by the old link, and keepers seal no keys to newcomers it admits.
///
///     signed = "parlor/1 charter" ‖ room id(32) ‖ version(8, BE) ‖ count(1) ‖ link key(32) × count [‖ chat(1)]
///     wire   = version(8, BE) ‖ count(1) ‖ link key(32) × count [‖ chat(1)] ‖ signature(64)   (Ed25519 by the host key)
///
/// `chat` is the room's `ChatPolicy`; it is there only when it is not `everyone`, so a charter
/// without it (the form before chat settings) reads as everyone may chat.
public struct RoomCharter: Sendable, Equatable {
    static let label = Array("parlor/1 charter".utf8)
    /// The most links a charter names (a listen link and a speak link in Parlor's faces).
    public static let maximumLinks = 8

    public let version: UInt64
    public let linkKeys: [[UInt8]]
    /// Who may write in the room's chat.
    public let chatPolicy: ChatPolicy
    public let signature: [UInt8]

    /// Signs a charter naming `linkKeys`.
    public init(roomID: [UInt8], version: UInt64, linkKeys: [[UInt8]], chatPolicy: ChatPolicy = .everyone,
                host: Ed25519SigningKey) throws(CryptoError) {
        guard linkKeys.count <= Self.maximumLinks, linkKeys.allSatisfy({ $0.count == Ed25519SigningKey.keyLength }) else {
            throw CryptoError.invalidLength(what: "charter links", expected: Self.maximumLinks, got: linkKeys.count)
        }
        self.version = version
        self.linkKeys = linkKeys
        self.chatPolicy = chatPolicy
        signature = host.sign(Self.signedBytes(roomID: roomID, version: version, linkKeys: linkKeys, chatPolicy: chatPolicy))
    }

    /// Parses the wire form (it does not verify: call `verify`).
    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count >= 9 + Ed25519SigningKey.signatureLength else {
            throw CryptoError.invalidLength(what: "charter", expected: 9 + Ed25519SigningKey.signatureLength, got: bytes.count)
        }
        let count = Int(bytes[8])
        let expected = 9 + 32 * count + Ed25519SigningKey.signatureLength
        guard count <= Self.maximumLinks, bytes.count == expected || bytes.count == expected + 1 else {
            throw CryptoError.invalidLength(what: "charter", expected: expected, got: bytes.count)
        }
        version = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        linkKeys = (0..<count).map { Array(bytes[(9 + 32 * $0)..<(9 + 32 * ($0 + 1))]) }
        if bytes.count == expected + 1 {
            // Written only when not `everyone`: any other byte would make two forms of one charter.
            guard let policy = ChatPolicy(rawValue: bytes[9 + 32 * count]), policy != .everyone else {
                throw CryptoError.invalidLength(what: "charter chat setting", expected: 1, got: Int(bytes[9 + 32 * count]))
            }
            chatPolicy = policy
        } else {
            chatPolicy = .everyone
        }
        signature = Array(bytes[(bytes.count - Ed25519SigningKey.signatureLength)...])
    }

    public var encoded: [UInt8] {
        Self.versionBytes(version) + [UInt8(linkKeys.count)] + linkKeys.flatMap { $0 } + Self.chatBytes(chatPolicy) + signature
    }

    /// Checks the host's signature for the room.
    public func verify(roomID: [UInt8], hostKey: [UInt8]) throws(CryptoError) {
        guard Ed25519SigningKey.verify(signature, of: Self.signedBytes(roomID: roomID, version: version, linkKeys: linkKeys, chatPolicy: chatPolicy),
                                       publicKey: hostKey) else {
            throw CryptoError.badSignature
        }
    }

    /// Whether the link with key `linkKey` admits members under this charter.
    public func admits(linkKey: [UInt8]) -> Bool { linkKeys.contains(linkKey) }

    static func signedBytes(roomID: [UInt8], version: UInt64, linkKeys: [[UInt8]], chatPolicy: ChatPolicy) -> [UInt8] {
        label + roomID + versionBytes(version) + [UInt8(linkKeys.count)] + linkKeys.flatMap { $0 } + chatBytes(chatPolicy)
    }

    private static func chatBytes(_ policy: ChatPolicy) -> [UInt8] {
        policy == .everyone ? [] : [policy.rawValue]
    }

    private static func versionBytes(_ version: UInt64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: version >> (8 * $0)) }
    }
}
