import Testing
@testable import ParlorCrypto

@Suite struct RoomKeysTests {
    let keys = RoomKeys.generate()

    @Test func derivationsAreDistinctDeterministicAndLabelled() throws {
        let again = try RoomKeys(roomSecret: keys.roomSecret)
        #expect(again == keys)
        let values = [keys.roomSecret, keys.roomID, keys.metadataKey, keys.epochZeroSecret]
        #expect(Set(values).count == 4)
        #expect(keys.roomID == (try BLAKE2b.hash(Array("parlor/1 room id".utf8), key: keys.roomSecret, outputLength: 32)))
        #expect(keys.metadataKey == (try HKDFSHA256.derive(salt: [], ikm: keys.roomSecret, info: Array("parlor/1 metadata".utf8), length: 32)))
        #expect(throws: CryptoError.invalidLength(what: "room secret", expected: 32, got: 31)) {
            try RoomKeys(roomSecret: [UInt8](repeating: 0, count: 31))
        }
    }

    @Test func fixedSecretGivesFixedRoomID() throws {
        // Pinned so that a change in the schedule shows; computed with Python's hashlib.blake2b.
        let keys = try RoomKeys(roomSecret: [UInt8](repeating: 0x42, count: 32))
        #expect(keys.roomID.hex == Self.pythonRoomID)
        #expect(keys.epochZeroSecret.hex == Self.pythonEpochZero)
        #expect(try RoomKeys.senderKey(epochSecret: keys.epochZeroSecret, senderSlot: 0x0102, boxKey: [UInt8](repeating: 0x55, count: 32)).hex == Self.pythonSenderKey)
    }

    static let pythonRoomID = "6dfd40e1610c0d018c96744f4fd0d2870af7ca120ba2d81ed325ed9e58924729"
    static let pythonEpochZero = "82c46630f5c931668294c606e8da80f3e3912ec24425b3c2cdfa6e31ebb3a04a"
    static let pythonSenderKey = "1206edf17e6a6df3cb17c4c92371deb31b5a79a27a824d45db0eca23a557c994"

    @Test func senderKeysDifferBySlotAndEpoch() throws {
        let box = X25519KeyPair.generate().publicKey
        let slot1 = try RoomKeys.senderKey(epochSecret: keys.epochZeroSecret, senderSlot: 1, boxKey: box)
        let slot2 = try RoomKeys.senderKey(epochSecret: keys.epochZeroSecret, senderSlot: 2, boxKey: box)
        let nextEpoch = try RoomKeys.senderKey(epochSecret: RoomKeys.newEpochSecret(), senderSlot: 1, boxKey: box)
        // The same slot in a later lifetime of the room (a new session, so a new box key).
        let nextSession = try RoomKeys.senderKey(epochSecret: keys.epochZeroSecret, senderSlot: 1,
                                                 boxKey: X25519KeyPair.generate().publicKey)
        #expect(Set([slot1, slot2, nextEpoch, nextSession]).count == 4)
    }

    @Test func metadataBlobsOpenOnlyAsTheirKind() throws {
        let blob = try MetadataBox.seal(Array("Zoë 🎧".utf8), kind: .displayName, metadataKey: keys.metadataKey)
        #expect(blob.count == 24 + "Zoë 🎧".utf8.count + 16)
        #expect(try MetadataBox.open(blob, kind: .displayName, metadataKey: keys.metadataKey) == Array("Zoë 🎧".utf8))
        #expect(throws: CryptoError.authenticationFailed) { try MetadataBox.open(blob, kind: .roomTitle, metadataKey: keys.metadataKey) }
        #expect(throws: CryptoError.authenticationFailed) {
            try MetadataBox.open(blob, kind: .displayName, metadataKey: RoomKeys.generate().metadataKey)
        }
    }

    @Test func directoryTitlesOpenWithTheRelayKeyAlone() throws {
        let relay = X25519KeyPair.generate().publicKey
        let blob = try MetadataBox.seal(Array("Late show".utf8), kind: .directoryTitle,
                                        metadataKey: MetadataBox.directoryKey(relayPublicKey: relay))
        let key = try MetadataBox.directoryKey(relayPublicKey: relay)
        #expect(try MetadataBox.open(blob, kind: .directoryTitle, metadataKey: key) == Array("Late show".utf8))
        #expect(key != (try MetadataBox.directoryKey(relayPublicKey: X25519KeyPair.generate().publicKey)))
    }

    @Test func epochSecretsAreSealedToEachMember() throws {
        let members = (0..<3).map { _ in X25519KeyPair.generate() }
        let secret = RoomKeys.newEpochSecret()
        let sealed = try members.map { try SealedBox.seal(secret, to: $0.publicKey) }
        #expect(sealed.allSatisfy { $0.count == 32 + SealedBox.overhead })
        for (member, box) in zip(members, sealed) {
            #expect(try SealedBox.open(box, with: member) == secret)
        }
        #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open(sealed[0], with: members[1]) }
    }

    @Test func safetyCodeIsFourGroupsOfFiveDigitsAndFollowsTheKeys() throws {
        let relay = X25519KeyPair.generate().publicKey
        let code = try SafetyCode.compute(roomID: keys.roomID, relayPublicKey: relay, epochSecret: keys.epochZeroSecret)
        #expect(code.count == 23)
        #expect(code.split(separator: " ").map(\.count) == [5, 5, 5, 5])
        #expect(code.allSatisfy { $0 == " " || $0.isNumber })
        #expect(code == (try SafetyCode.compute(roomID: keys.roomID, relayPublicKey: relay, epochSecret: keys.epochZeroSecret)))
        #expect(code != (try SafetyCode.compute(roomID: keys.roomID, relayPublicKey: X25519KeyPair.generate().publicKey,
                                                epochSecret: keys.epochZeroSecret)))
        #expect(code != (try SafetyCode.compute(roomID: keys.roomID, relayPublicKey: relay, epochSecret: RoomKeys.newEpochSecret())))
    }
}

@Suite struct GrantTests {
    let host = Ed25519SigningKey.generate()
    let member = Ed25519SigningKey.generate()
    let roomID = RoomKeys.generate().roomID

    @Test func aGrantVerifiesAndSurvivesTheWire() throws {
        let grant = try Grant(roomID: roomID, memberKey: member.publicKey, role: .speaker, expiry: 2_000, signer: host)
        try grant.verify(roomID: roomID, signer: host.publicKey, now: 1_999)
        let decoded = try Grant(encoded: grant.encoded)
        #expect(decoded == grant)
        #expect(grant.encoded.count == Grant.encodedLength)
        #expect(Array(grant.encoded[65..<73]) == [0, 0, 0, 0, 0, 0, 0x07, 0xd0])
    }

    @Test func expiredForeignOrForgedGrantsAreRefused() throws {
        let grant = try Grant(roomID: roomID, memberKey: member.publicKey, role: .moderator, expiry: 2_000, signer: host)
        #expect(throws: CryptoError.grantExpired(expiry: 2_000, now: 2_000)) {
            try grant.verify(roomID: roomID, signer: host.publicKey, now: 2_000)
        }
        #expect(throws: CryptoError.grantForAnotherRoom) {
            try grant.verify(roomID: RoomKeys.generate().roomID, signer: host.publicKey, now: 0)
        }
        #expect(throws: CryptoError.badSignature) { try grant.verify(roomID: roomID, signer: member.publicKey, now: 0) }
        var bytes = grant.encoded
        bytes[64] = Role.host.rawValue
        #expect(throws: CryptoError.badSignature) { try Grant(encoded: bytes).verify(roomID: roomID, signer: host.publicKey, now: 0) }
        bytes[64] = 9
        #expect(throws: CryptoError.unknownRole(9)) { try Grant(encoded: bytes) }
        #expect(throws: CryptoError.invalidLength(what: "grant", expected: 169, got: 168)) { try Grant(encoded: bytes.dropLast()) }
    }

    @Test func signatureCoversTheDocumentedBytes() throws {
        let grant = try Grant(roomID: roomID, memberKey: member.publicKey, role: .listener, expiry: 1, signer: host)
        let message = Array("parlor/1 grant".utf8) + roomID + member.publicKey + [0] + [0, 0, 0, 0, 0, 0, 0, 1]
        #expect(Ed25519SigningKey.verify(grant.signature, of: message, publicKey: host.publicKey))
    }
}
