import Testing
@testable import ParlorCrypto

@Suite struct RoomKeysTests {
    let host = Ed25519SigningKey.generate()
    let keys: RoomKeys

    init() {
        keys = RoomKeys.generate(hostKey: host.publicKey)
    }
    /// An epoch secret fixed for the pinned values below.
    static let epochSecret = [UInt8](repeating: 0x42, count: 32)

    @Test func derivationsAreDistinctDeterministicAndLabelled() throws {
        let again = try RoomKeys(roomSecret: keys.roomSecret, hostKey: host.publicKey)
        #expect(again == keys)
        #expect(Set([keys.roomSecret, keys.roomID, keys.metadataKey]).count == 3)
        #expect(keys.roomID == (try BLAKE2b.hash(Array("parlor/1 room id".utf8) + host.publicKey, outputLength: 32)))
        #expect(keys.metadataKey == (try HKDFSHA256.derive(salt: [], ikm: keys.roomSecret, info: Array("parlor/1 metadata".utf8), length: 32)))
        #expect(throws: CryptoError.invalidLength(what: "room secret", expected: 32, got: 31)) {
            try RoomKeys(roomSecret: [UInt8](repeating: 0, count: 31), hostKey: host.publicKey)
        }
    }

    /// The room id names the host key and nothing else: another host key is another room, whatever the secret.
    @Test func theRoomIDFollowsTheHostKeyAlone() throws {
        let secret = keys.roomSecret
        let a = try RoomKeys(roomSecret: secret, hostKey: host.publicKey)
        let b = try RoomKeys(roomSecret: secret, hostKey: Ed25519SigningKey.generate().publicKey)
        let c = try RoomKeys(roomSecret: RoomKeys.newEpochSecret(), hostKey: host.publicKey)
        #expect(a.roomID != b.roomID && a.roomID == c.roomID && a.metadataKey != c.metadataKey)
    }

    @Test func fixedInputsGiveFixedValues() throws {
        // Pinned so that a change in the schedule shows; computed with Python's hashlib.blake2b.
        #expect(try RoomKeys.roomID(hostKey: [UInt8](repeating: 0x42, count: 32)).hex == Self.pythonRoomID)
        #expect(try RoomKeys.commitment(epochSecret: Self.epochSecret).hex == Self.pythonCommitment)
        let earlierEpochZero = (0..<32).map { UInt8(Self.pythonEarlierEpochZero.dropFirst(2 * $0).prefix(2), radix: 16)! }
        #expect(try RoomKeys.senderKey(epochSecret: earlierEpochZero, senderSlot: 0x0102, boxKey: [UInt8](repeating: 0x55, count: 32)).hex == Self.pythonSenderKey)
    }

    static let pythonRoomID = "8b900d4542a28da895485416c3b4fb8e6d07524143ebb5bb59ec6d30896db7fd"
    static let pythonCommitment = "36eda596df51bc85fa096f4d1d76f9cf389886ea038de9cb357475dafc87f362"
    static let pythonEarlierEpochZero = "82c46630f5c931668294c606e8da80f3e3912ec24425b3c2cdfa6e31ebb3a04a"
    static let pythonSenderKey = "1206edf17e6a6df3cb17c4c92371deb31b5a79a27a824d45db0eca23a557c994"

    @Test func senderKeysDifferBySlotAndEpoch() throws {
        let box = X25519KeyPair.generate().publicKey
        let secret = RoomKeys.newEpochSecret()
        let slot1 = try RoomKeys.senderKey(epochSecret: secret, senderSlot: 1, boxKey: box)
        let slot2 = try RoomKeys.senderKey(epochSecret: secret, senderSlot: 2, boxKey: box)
        let nextEpoch = try RoomKeys.senderKey(epochSecret: RoomKeys.newEpochSecret(), senderSlot: 1, boxKey: box)
        // The same slot in a later lifetime of the room (a new session, so a new box key).
        let nextSession = try RoomKeys.senderKey(epochSecret: secret, senderSlot: 1, boxKey: X25519KeyPair.generate().publicKey)
        #expect(Set([slot1, slot2, nextEpoch, nextSession]).count == 4)
    }

    @Test func metadataBlobsOpenOnlyAsTheirKind() throws {
        let blob = try MetadataBox.seal(Array("Zoë 🎧".utf8), kind: .displayName, metadataKey: keys.metadataKey)
        #expect(blob.count == 24 + "Zoë 🎧".utf8.count + 16)
        #expect(try MetadataBox.open(blob, kind: .displayName, metadataKey: keys.metadataKey) == Array("Zoë 🎧".utf8))
        #expect(throws: CryptoError.authenticationFailed) { try MetadataBox.open(blob, kind: .roomTitle, metadataKey: keys.metadataKey) }
        #expect(throws: CryptoError.authenticationFailed) {
            try MetadataBox.open(blob, kind: .displayName, metadataKey: RoomKeys.generate(hostKey: Ed25519SigningKey.generate().publicKey).metadataKey)
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

    @Test func safetyCodeIsFourGroupsOfFiveDigitsAndCoversSecretRelayKeeperAndHolders() throws {
        let relay = X25519KeyPair.generate().publicKey
        let secret = RoomKeys.newEpochSecret()
        let holders = (0..<3).map { _ in (memberKey: Ed25519SigningKey.generate().publicKey, boxKey: X25519KeyPair.generate().publicKey) }
        let statement = try EpochStatement(roomID: keys.roomID, epoch: 4, secret: secret, recipients: holders, signer: host)
        func code(_ relayKey: [UInt8] = relay, _ secret: [UInt8] = secret, _ statement: EpochStatement = statement) throws -> String {
            try SafetyCode.compute(roomID: keys.roomID, relayPublicKey: relayKey, epochSecret: secret, statement: statement)
        }
        let reference = try code()
        #expect(reference.count == 23)
        #expect(reference.split(separator: " ").map(\.count) == [5, 5, 5, 5])
        #expect(reference.allSatisfy { $0 == " " || $0.isNumber })
        #expect(reference == (try code()))
        #expect(reference != (try code(X25519KeyPair.generate().publicKey)), "another relay")
        #expect(reference != (try code(relay, RoomKeys.newEpochSecret())), "another secret")
        let phantom = holders + [(memberKey: Ed25519SigningKey.generate().publicKey, boxKey: X25519KeyPair.generate().publicKey)]
        let padded = try EpochStatement(roomID: keys.roomID, epoch: 4, secret: secret, recipients: phantom, signer: host)
        #expect(reference != (try code(relay, secret, padded)), "another set of holders")
        let otherKeeper = try EpochStatement(roomID: keys.roomID, epoch: 4, secret: secret, recipients: holders, signer: .generate())
        #expect(reference != (try code(relay, secret, otherKeeper)), "another keeper")
    }
}

@Suite struct GrantTests {
    let host = Ed25519SigningKey.generate()
    let member = Ed25519SigningKey.generate()
    let roomID = RoomKeys.generate(hostKey: Ed25519SigningKey.generate().publicKey).roomID

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
            try grant.verify(roomID: RoomKeys.generate(hostKey: Ed25519SigningKey.generate().publicKey).roomID, signer: host.publicKey, now: 0)
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
