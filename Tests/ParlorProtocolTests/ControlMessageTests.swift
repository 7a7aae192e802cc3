import Testing
import ParlorCrypto
@testable import ParlorProtocol

@Suite struct ControlMessageTests {
    static let key = [UInt8](repeating: 0xab, count: 32)
    static let otherKey = [UInt8](repeating: 0xcd, count: 32)
    static let grant = try! Grant(roomID: key, memberKey: otherKey, role: .speaker, expiry: 99, signer: .generate())
    static let host = Ed25519SigningKey.generate()
    static let roomID = try! RoomKeys.roomID(hostKey: host.publicKey)
    static let linkKey = Ed25519SigningKey.generate()
    static let linkGrant = try! Grant(roomID: roomID, memberKey: linkKey.publicKey, role: .listener, expiry: 99, signer: host)
    static let memberKey = Ed25519SigningKey.generate()
    /// A member's credential (297 bytes) and the host's (64).
    static let credential = MemberCredential(roomID: roomID, memberKey: memberKey, boxKey: otherKey, link: (linkKey, linkGrant))
    static let hostCredential = MemberCredential(roomID: roomID, memberKey: host, boxKey: otherKey, link: nil)
    static let charter = try! RoomCharter(roomID: roomID, version: 3, linkKeys: [linkKey.publicKey, key], host: host)
    static let emptyCharter = try! RoomCharter(roomID: roomID, version: 0, linkKeys: [], host: host)
    static let statement = try! EpochStatement(roomID: roomID, epoch: 7, secret: [UInt8](repeating: 9, count: 32),
                                               recipients: [(memberKey.publicKey, otherKey)], signer: host)
    static let member = MemberEntry(memberKey: key, boxKey: otherKey, role: .moderator, senderSlot: 300, profile: [1, 2, 3],
                                    credential: credential)
    static let hostEntry = MemberEntry(memberKey: host.publicKey, boxKey: otherKey, role: .host, senderSlot: 1, credential: hostCredential)

    /// One of every message, with optional fields both set and left out.
    static let samples: [ControlMessage] = [
        .ping(Ping(nonce: 0)), .pong(Pong(nonce: UInt64.max)),
        .error(ErrorMessage(.noSuchRoom, text: "no such room", inReplyTo: 11)), .error(ErrorMessage(code: 404, text: "future code")), .error(ErrorMessage(code: 1, text: "")),
        .serverClosing(ServerClosing(reason: "restart", retryAfterSeconds: 30)), .serverClosing(ServerClosing()),
        .createRoom(CreateRoom(roomID: key, hostKey: otherKey, listed: true, directoryTitle: [9], charter: charter)),
        .createRoom(CreateRoom(roomID: key, hostKey: otherKey, charter: emptyCharter)),
        .join(Join(roomID: key, memberKey: otherKey, boxKey: key, grant: grant, proof: [UInt8](repeating: 7, count: 64), profile: [5],
                   credential: credential)),
        .join(Join(roomID: key, memberKey: otherKey, boxKey: key, proof: [UInt8](repeating: 7, count: 64), credential: hostCredential)),
        .joined(Joined(memberIndex: UInt32.max, senderSlot: 2, role: .listener, epoch: KeyDelivery.maximumEpoch, roster: [member, hostEntry],
                       charter: charter)),
        .joined(Joined(memberIndex: 0, senderSlot: 0, role: .host, epoch: 0, roster: [])),
        .leave, .memberJoined(MemberJoined(member: member)), .memberLeft(MemberLeft(memberKey: key)),
        .profileSet(Profile(blob: [1])), .profileDelivery(Profile(memberKey: key, blob: [1, 2])),
        .grantPresent(GrantPresent(grant: grant)), .roleChanged(RoleChanged(memberKey: key, role: .speaker)),
        .handRaise, .handLower(HandLower()), .handLower(HandLower(memberKey: key)),
        .handUpdate(HandUpdate(memberKey: key, raised: true)), .handUpdate(HandUpdate(memberKey: key, raised: false)),
        .moderation(Moderation(.action(.ban), target: key, actor: otherKey)), .moderation(Moderation(.action(.endRoom), target: nil)),
        .keyDelivery(KeyDelivery(epoch: 7, secrets: [SealedEpochSecret(memberKey: key, sealedSecret: [UInt8](repeating: 1, count: 80))],
                                 statement: statement)),
        .keyDelivery(KeyDelivery(epoch: 7, secrets: [], statement: statement, authority: grant,
                                 revoked: [[UInt8](repeating: 3, count: 64), [UInt8](repeating: 4, count: 64)])),
        .charterUpdate(CharterUpdate(charter: charter)), .charterUpdate(CharterUpdate(charter: emptyCharter)),
        .mediaSetup(MediaSetup(receiverIndex: 0xdead_beef, udpPort: 7000)), .mediaSetup(MediaSetup(receiverIndex: 1)),
        .mediaOverTCP(MediaOverTCP(payload: [UInt8](repeating: 0, count: 128))),
        .directoryRequest, .directoryListing(DirectoryListing(rooms: [DirectoryEntry(roomID: key, title: [3], listenerCount: 12)])),
        .moderation(Moderation(.unmuteOwn, target: key)), .moderation(Moderation(.action(.lowerEveryHand), target: nil)),
        .blobSend(BlobSend(blob: [1, 2])), .blobDelivery(BlobDelivery(memberKey: key, blob: [3])),
        .blobDelivery(BlobDelivery(memberKey: nil, blob: [4])),
    ]

    @Test func everyMessageRoundTrips() throws {
        for message in Self.samples {
            let bytes = message.encoded
            #expect(bytes[0] == 1 && bytes[1] == message.type.rawValue)
            #expect(try ControlMessage.decode(bytes) == message)
        }
        #expect(Set(Self.samples.map(\.type)) == Set(ControlMessageType.allCases), "a sample of every type")
    }

    @Test func bytesAreTheDocumentedTLV() {
        #expect(ControlMessage.ping(Ping(nonce: 300)).encoded == [1, 1, 1, 2, 0xac, 0x02])
        #expect(ControlMessage.leave.encoded == [1, 13])
        #expect(ControlMessage.handUpdate(HandUpdate(memberKey: Self.key, raised: false)).encoded == [1, 26, 1, 32] + Self.key)
        #expect(ControlMessage.error(ErrorMessage(code: 2, text: "no")).encoded == [1, 3, 1, 1, 2, 2, 2, 0x6e, 0x6f])
        #expect(ControlMessage.moderation(Moderation(.unmuteOwn, target: Self.key)).encoded == [1, 27, 1, 1, 5, 2, 32] + Self.key)
        #expect(ControlMessage.blobSend(BlobSend(blob: [7, 8])).encoded == [1, 33, 1, 2, 7, 8])
        #expect(ControlMessage.blobDelivery(BlobDelivery(memberKey: nil, blob: [9])).encoded == [1, 34, 2, 1, 9])
    }

    @Test func theModerationTableHasOneCodeAndOneNameForEachAction() throws {
        let codes = ModerationAction.allCases.compactMap { action -> UInt8? in
            if case .moderation(let code) = action.rule.wire { code } else { nil }
        }
        #expect(Set(codes).count == codes.count, "one code an action: \(codes.sorted())")
        #expect(Set(codes).isSuperset(of: [0, 1, 2, 3, 4, 6]), "the codes docs/PROTOCOL.md §4.5 lists")
        #expect(!codes.contains(Moderation.unmuteOwnCode))
        for names in [ModerationAction.allCases.map(\.rule.headlessName), ModerationAction.allCases.map(\.rule.slashCommand),
                      ModerationAction.allCases.map(\.rule.label)] {
            #expect(Set(names).count == ModerationAction.allCases.count, "\(names)")
        }
        for action in ModerationAction.allCases {
            #expect(ModerationAction(headlessName: action.rule.headlessName) == action)
            #expect(ModerationAction(slashCommand: action.rule.slashCommand) == action)
        }
        #expect(ControlMessage.moderation(Moderation(.action(.lowerEveryHand), target: nil)).encoded == [1, 27, 1, 1, 6])
        #expect(throws: ParlorProtocolError.self, "an action on a member needs its target") {
            try ControlMessage.decode([1, 27, 1, 1, 2])
        }
        #expect(throws: ParlorProtocolError.self) { try ControlMessage.decode([1, 27, 1, 1, 7]) }
    }

    @Test func theTableSaysWhoMayDoWhatToWhom() {
        let speaker = MemberState(role: .speaker, handRaised: false, muted: false)
        let handUp = MemberState(role: .listener, handRaised: true, muted: false)
        let host = MemberState(role: .host, handRaised: false, muted: false)
        #expect(ModerationAction.allCases.allSatisfy { !$0.allows(actor: .speaker, on: speaker) }, "only moderators moderate")
        #expect(ModerationAction.allCases.allSatisfy { $0.rule.whom == .room || !$0.allows(actor: .host, on: host) }, "nobody acts on the host")
        #expect(ModerationAction.mute.allows(actor: .moderator, on: speaker) && !ModerationAction.mute.allows(actor: .moderator, on: handUp))
        #expect(ModerationAction.offered(by: .moderator, on: handUp, isMe: false) == [.inviteToStage, .dismissHand, .makeModerator, .remove, .ban])
        #expect(ModerationAction.offered(by: .moderator, on: MemberState(role: .speaker, handRaised: false, muted: true), isMe: false)
                == [.moveToAudience, .makeModerator, .remove, .ban], "mute would change nothing")
        #expect(ModerationAction.offered(by: .host, on: host, isMe: true) == [.lowerEveryHand, .endRoom])
        #expect(ModerationAction.remove.question(about: "Ada") == "Remove Ada from the room?")
        #expect(ModerationAction.lowerEveryHand.question(about: "Ada") == nil && ModerationAction.mute.question(about: "Ada") == nil)
    }

    @Test func unknownFieldsAreSkippedAnywhere() throws {
        let ping = ControlMessage.ping(Ping(nonce: 5)).encoded
        let withUnknown = [1, 1, 200, 3, 9, 9, 9] + Array(ping.dropFirst(2)) + [77, 0]
        #expect(try ControlMessage.decode(withUnknown) == .ping(Ping(nonce: 5)))
        let longUnknown = [1, 13, 99, 0x80, 0x01] + [UInt8](repeating: 0, count: 128)
        #expect(try ControlMessage.decode(longUnknown) == .leave)
    }

    /// `key_delivery`'s revoked grants are whole signatures, at most as many as a statement lists.
    @Test func aKeyDeliveryListsWholeSignatures() {
        let delivery = ControlMessage.keyDelivery(KeyDelivery(epoch: 7, secrets: [], statement: Self.statement)).encoded
        for (bytes, reason) in [([UInt8](repeating: 0, count: 10), "10 bytes: not 1 to 48 signatures of 64 bytes"),
                                ([UInt8](repeating: 0, count: 49 * 64), "3136 bytes: not 1 to 48 signatures of 64 bytes")] {
            let length: [UInt8] = bytes.count < 128 ? [UInt8(bytes.count)] : [UInt8(bytes.count & 0x7f | 0x80), UInt8(bytes.count >> 7)]
            let field = [UInt8(5)] + length + bytes
            #expect(throws: ParlorProtocolError.invalidField(message: "key_delivery", field: "revoked", reason: reason)) {
                try ControlMessage.decode(delivery + field)
            }
        }
    }

    @Test func malformedMessagesAreTypedErrors() {
        let cases: [([UInt8], ParlorProtocolError)] = [
            ([], .truncated("control message version")),
            ([1], .truncated("control message type")),
            ([2, 1], .unsupportedVersion(2)),
            ([1, 250], .unknownMessageType(250)),
            ([1, 1], .missingField(message: "ping", field: "nonce")),
            ([1, 1, 1, 1, 5, 1, 1, 6], .duplicateField(message: "ping", tag: 1)),
            ([1, 1, 1, 5, 1], .truncated("ping: field 1 claims 5 bytes, 1 left")),
            ([1, 1, 1], .truncated("ping: length of field 1")),
            ([1, 1, 1, 2, 0x80, 0x00], .invalidField(message: "ping", field: "nonce", reason: "not a varint")),
            ([1, 1, 1, 2, 5, 5], .invalidField(message: "ping", field: "nonce", reason: "bytes after the varint")),
            ([1, 15, 1, 2, 1, 2], .invalidField(message: "member_left", field: "member_key", reason: "must be 32 bytes, got 2")),
            ([1, 23, 1, 32] + Self.key + [2, 1, 9], .invalidField(message: "role_changed", field: "role", reason: "unknown role 9")),
            ([1, 27, 1, 1, 0], .missingField(message: "moderation", field: "target")),
            ([1, 27, 1, 1, 8], .invalidField(message: "moderation", field: "action", reason: "unknown action 8")),
            ([1, 27, 1, 1, 5], .missingField(message: "moderation", field: "target")),
            ([1, 33], .missingField(message: "blob_send", field: "blob")),
            ([1, 34, 1, 1, 0, 2, 0], .invalidField(message: "blob_delivery", field: "member_key", reason: "must be 32 bytes, got 1")),
            ([1, 29, 1, 5, 0xff, 0xff, 0xff, 0xff, 0x1f], .invalidField(message: "media_setup", field: "receiver_index",
                                                                         reason: "8589934591 exceeds 4294967295")),
            ([1, 3, 1, 1, 1, 2, 1, 0xff], .invalidField(message: "error", field: "text", reason: "not UTF-8")),
            ([1, 26, 1, 32] + Self.key + [2, 1, 2], .invalidField(message: "hand_update", field: "raised", reason: "2 exceeds 1")),
            ([1, 14, 1, 0], .missingField(message: "member_joined.member", field: "member_key")),
        ]
        for (bytes, error) in cases {
            #expect(throws: error, "\(bytes)") { try ControlMessage.decode(bytes) }
        }
    }


    @Test func varintsAreShortestFormAndBounded() throws {
        var writer = ByteWriter()
        for value: UInt64 in [0, 127, 128, 16_383, 16_384, UInt64.max] { writer.varint(value) }
        var reader = ByteReader(writer.bytes)
        for value: UInt64 in [0, 127, 128, 16_383, 16_384, UInt64.max] { #expect(try reader.varint("v") == value) }
        #expect(reader.isAtEnd)
        for bad: [UInt8] in [[0x80, 0x00], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
                             [UInt8](repeating: 0xff, count: 11)] {
            var badReader = ByteReader(bad)
            #expect(throws: ParlorProtocolError.invalidVarint) { try badReader.varint("v") }
        }
    }

    @Test func joinProofBindsTheSession() throws {
        let member = Ed25519SigningKey.generate()
        let hash = [UInt8](repeating: 3, count: 64)
        let join = Join(roomID: Self.key, signingKey: member, boxKey: Self.otherKey, handshakeHash: hash, link: nil)
        #expect(join.hasValidProof(handshakeHash: hash))
        #expect(!join.hasValidProof(handshakeHash: [UInt8](repeating: 4, count: 64)))
    }
}
