import ParlorCrypto
import ParlorProtocol

/// A new room as its host makes it: a fresh room secret and host key, and the two links to hand
/// out — one to listen, one to speak (a fresh member key with a speaker grant signed by the host).
public struct HostedRoom: Sendable {
    /// How long a speaker link's grant lasts.
    public static let speakerGrantSeconds: UInt64 = 7 * 24 * 3600

    public let keys: RoomKeys
    public let hostKey: Ed25519SigningKey
    public let listenLink: InviteLink
    public let speakLink: InviteLink

    public init(relay: RelayAddress, relayPublicKey: [UInt8], suite: SFrameSuite = .preferred, now: UInt64) throws {
        keys = RoomKeys.generate()
        hostKey = Ed25519SigningKey.generate()
        listenLink = InviteLink(relay: relay, relayPublicKey: relayPublicKey, roomSecret: keys.roomSecret, suite: suite)
        let speaker = Ed25519SigningKey.generate()
        let grant = try Grant(roomID: keys.roomID, memberKey: speaker.publicKey, role: .speaker,
                              expiry: now + Self.speakerGrantSeconds, signer: hostKey)
        speakLink = InviteLink(relay: relay, relayPublicKey: relayPublicKey, roomSecret: keys.roomSecret, suite: suite,
                               invitation: InviteLink.Invitation(memberKey: speaker, grant: grant))
    }
}
