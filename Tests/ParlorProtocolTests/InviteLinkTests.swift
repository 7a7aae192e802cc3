import Testing
import ParlorCrypto
@testable import ParlorProtocol

@Suite struct InviteLinkTests {
    let relayKey = X25519KeyPair.generate().publicKey
    let room = RoomKeys.generate()

    func link(host: RelayAddress.Host = .ipv4("127.0.0.1"), port: UInt16 = 7000, invitation: InviteLink.Invitation? = nil) -> InviteLink {
        InviteLink(relay: RelayAddress(host: host, port: port), relayPublicKey: relayKey, roomSecret: room.roomSecret,
                   suite: .chaCha20Poly1305SHA256, invitation: invitation)
    }

    func speakerInvitation(signer: Ed25519SigningKey = .generate()) throws -> InviteLink.Invitation {
        let member = Ed25519SigningKey.generate()
        let grant = try Grant(roomID: room.roomID, memberKey: member.publicKey, role: .speaker, expiry: 1_900_000_000, signer: signer)
        return InviteLink.Invitation(memberKey: member, grant: grant)
    }

    @Test func linksRoundTripForEveryHostForm() throws {
        for host: RelayAddress.Host in [.ipv4("10.0.0.1"), .ipv6("::1"), .ipv6("2001:db8::7"), .name("relay.example.org")] {
            let original = link(host: host, port: 65535)
            #expect(original.text.hasPrefix("parlor://"))
            #expect(try InviteLink.parse(original.text) == original)
        }
        #expect(link(host: .ipv6("::1")).text.hasPrefix("parlor://[::1]:7000/#"))
        #expect(link().text.count == "parlor://127.0.0.1:7000/#".count + 90)
    }

    @Test func aSpeakerInviteCarriesAVerifiableGrant() throws {
        let host = Ed25519SigningKey.generate()
        let original = link(invitation: try speakerInvitation(signer: host))
        let parsed = try InviteLink.parse(original.text)
        #expect(parsed == original)
        let grant = try #require(parsed.invitation?.grant)
        try grant.verify(roomID: room.roomID, signer: host.publicKey, now: 1_800_000_000)
        #expect(parsed.invitation?.memberKey.publicKey == grant.memberKey)
    }

    /// Replaces the key part of a valid link with `payload`.
    func withPayload(_ payload: [UInt8]) -> String {
        "parlor://127.0.0.1:7000/#" + Base64URL.encode(payload)
    }

    var basePayload: [UInt8] { [1] + relayKey + room.roomSecret + [0xf0, 0x01] }

    @Test func everyMalformedLinkSaysWhatIsWrong() throws {
        let valid = link(invitation: try speakerInvitation())
        let key = String(valid.text.split(separator: "#")[1])
        var badSignature = Array(try Base64URL.decode(Substring(key)).get())
        badSignature[badSignature.count - 1] ^= 1
        var badRole = Array(try Base64URL.decode(Substring(key)).get())
        badRole[67 + 64] = 3
        let cases: [(String, String)] = [
            ("https://127.0.0.1:7000/#\(key)", "it must start with parlor://"),
            ("parlor://127.0.0.1:7000", "the key part is missing (expected parlor://HOST:PORT/#KEY)"),
            ("parlor://127.0.0.1/#\(key)", "the port is missing (expected HOST:PORT)"),
            ("parlor://127.0.0.1:0/#\(key)", "the port 0 is out of range (1–65535)"),
            ("parlor://127.0.0.1:65536/#\(key)", "the port 65536 is out of range (1–65535)"),
            ("parlor://127.0.0.1:http/#\(key)", "the port \"http\" is not a number"),
            ("parlor://:7000/#\(key)", "the host is missing"),
            ("parlor:///#\(key)", "the relay address is missing"),
            ("parlor://300.1.1.1:7000/#\(key)", "\"300.1.1.1\" is not an IPv4 address"),
            ("parlor://bad_host:7000/#\(key)", "\"bad_host\" is not a valid host name"),
            ("parlor://::1:7000/#\(key)", "an IPv6 address must be in brackets, e.g. [::1]:7000"),
            ("parlor://[::1:7000/#\(key)", "the IPv6 address has no closing bracket"),
            ("parlor://[::g]:7000/#\(key)", "\"::g\" is not an IPv6 address"),
            ("parlor://[::1]x:7000/#\(key)", "unexpected text after the IPv6 address"),
            ("parlor://127.0.0.1:7000/\(key)", "the key part must follow \"/#\""),
            ("parlor://127.0.0.1:7000/#ab=c", "character 3 of the key part is not base64url"),
            ("parlor://127.0.0.1:7000/#abcde", "the key part has an impossible base64url length"),
            ("parlor://127.0.0.1:7000/#AB", "the key part's last base64url character has stray bits"),
            ("parlor://127.0.0.1:7000/#", "the key part is empty"),
            (withPayload([2] + basePayload.dropFirst()), "unknown link version 2"),
            (withPayload(Array(basePayload.dropLast())), "the key part is 66 bytes; expected 67, or 204 with a grant"),
            (withPayload(Array(basePayload.dropLast(2)) + [0x00, 0x07]), "unknown cipher suite 0x7"),
            (withPayload(badSignature), "the invite's grant signature does not verify"),
            (withPayload(badRole), "the invite's role 3 is not speaker (1) or moderator (2)"),
        ]
        for (text, message) in cases {
            #expect(throws: ParlorProtocolError.invalidLink(message), "\(text)") { try InviteLink.parse(text) }
        }
    }

    @Test func base64URLIsStrictAndMatchesRFC4648() throws {
        #expect(Base64URL.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64URL.encode(Array("fooba".utf8)) == "Zm9vYmE")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(try Base64URL.decode("-_8").get() == [0xfb, 0xff])
        #expect(try Base64URL.decode("Zm9vYg").get() == Array("foob".utf8))
    }
}
