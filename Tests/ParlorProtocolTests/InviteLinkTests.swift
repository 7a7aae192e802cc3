import Testing
import ParlorCrypto
@testable import ParlorProtocol

@Suite struct InviteLinkTests {
    let relayKey = X25519KeyPair.generate().publicKey
    let hostKey = Ed25519SigningKey.generate()
    let roomSecret = SecureRandom.bytes(32)
    var room: RoomKeys { try! RoomKeys(roomSecret: roomSecret, hostKey: hostKey.publicKey) }

    func link(host: RelayAddress.Host = .ipv4("127.0.0.1"), port: UInt16 = 7000, admission: InviteLink.Admission? = nil) throws -> InviteLink {
        InviteLink(relay: RelayAddress(host: host, port: port), relayPublicKey: relayKey, roomSecret: room.roomSecret,
                   suite: .chaCha20Poly1305SHA256, admission: try admission ?? self.admission(role: .listener))
    }

    func admission(role: Role = .speaker) throws -> InviteLink.Admission {
        let linkKey = Ed25519SigningKey.generate()
        let grant = try Grant(roomID: room.roomID, memberKey: linkKey.publicKey, role: role, expiry: 1_900_000_000, signer: hostKey)
        return InviteLink.Admission(linkKey: linkKey, grant: grant)
    }

    @Test func linksRoundTripForEveryHostForm() throws {
        for host: RelayAddress.Host in [.ipv4("10.0.0.1"), .ipv6("::1"), .ipv6("2001:db8::7"), .name("relay.example.org")] {
            let original = try link(host: host, port: 65535)
            #expect(original.text.hasPrefix("parlor://"))
            #expect(try InviteLink.parse(original.text) == original)
        }
        #expect(try link(host: .ipv6("::1")).text.hasPrefix("parlor://[::1]:7000/#"))
        #expect(try link().text.count == "parlor://127.0.0.1:7000/#".count + 272)
    }

    @Test func aLinkMayNameSeveralNodesOfACluster() throws {
        var original = try link()
        original.otherRelays = [RelayAddress(host: .ipv6("::1"), port: 7001), RelayAddress(host: .name("b.example.org"), port: 7002)]
        #expect(original.text.hasPrefix("parlor://127.0.0.1:7000,[::1]:7001,b.example.org:7002/#"))
        let parsed = try InviteLink.parse(original.text)
        #expect(parsed == original)
        #expect(parsed.relays.map(\.port) == [7000, 7001, 7002])
        let key = original.text.split(separator: "/#").last!
        #expect(throws: ParlorProtocolError.self) { try InviteLink.parse("parlor://127.0.0.1:7000,/#\(key)") }
        let nine = (0..<9).map { "10.0.0.\($0):7000" }.joined(separator: ",")
        #expect(throws: ParlorProtocolError.invalidLink("it names 9 relays; at most 8")) { try InviteLink.parse("parlor://\(nine)/#\(key)") }
    }

    @Test func aLinkPinsTheHostKeyAndCarriesAVerifiableGrant() throws {
        let original = try link(admission: try admission(role: .speaker))
        let parsed = try InviteLink.parse(original.text)
        #expect(parsed == original)
        #expect(parsed.hostKey == hostKey.publicKey)
        #expect(parsed.role == .speaker)
        try parsed.admission.grant.verify(roomID: try RoomKeys.roomID(hostKey: parsed.hostKey), signer: hostKey.publicKey, now: 1_800_000_000)
        #expect(parsed.admission.linkKey.publicKey == parsed.admission.grant.memberKey)
    }

    /// Replaces the key part of a valid link with `payload`.
    func withPayload(_ payload: [UInt8]) -> String {
        "parlor://127.0.0.1:7000/#" + Base64URL.encode(payload)
    }

    @Test func everyMalformedLinkSaysWhatIsWrong() throws {
        let valid = try link(admission: try admission())
        let key = String(valid.text.split(separator: "#")[1])
        let basePayload = Array(try Base64URL.decode(Substring(key)).get())
        var badSignature = basePayload
        badSignature[badSignature.count - 1] ^= 1
        var badRole = basePayload
        badRole[67 + 64] = 2
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
            (withPayload([3] + basePayload.dropFirst()), "unknown link version 3"),
            (withPayload([1] + basePayload.dropFirst()),
             "this link is from an older Parlor (version 1, without a pinned host key); ask the host for a new one"),
            (withPayload(Array(basePayload.dropLast())), "the key part is 203 bytes; expected 204"),
            (withPayload(Array(basePayload.prefix(65)) + [0x00, 0x07] + basePayload.dropFirst(67)), "unknown cipher suite 0x7"),
            (withPayload(badSignature), "the link's signature by the host key does not verify"),
            (withPayload(badRole), "the link's role 2 is not listener (0) or speaker (1)"),
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
