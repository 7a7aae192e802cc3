import ParlorCrypto
import ParlorProtocol

/// The room's chat and reactions, end to end: blobs sealed under the metadata key (the relay
/// reads none of it), each signed by its author's member key and checked against the member the
/// relay names as sender; deletions signed by a moderator whose grant the host key signed; who
/// may write set by the host in its signed charter. The relay can drop or replay blobs, never
/// change who wrote one, delete one, or change the setting.
extension RoomSession {
    /// How far a message's or a reaction's time may be from this member's clock (seconds): older
    /// ones are replays a relay kept.
    static let chatFreshnessSeconds: UInt64 = 600
    static let reactionFreshnessSeconds: UInt64 = 120

    /// Who may write in the chat, as the newest charter the host signed says.
    public var chatPolicy: ChatPolicy { authority.charter?.chatPolicy ?? .everyone }

    /// Whether this member may write now.
    public var maySay: Bool {
        guard let me else { return false }
        switch chatPolicy {
        case .everyone: return true
        case .stage: return me.isOnStage
        case .off: return me.role >= .moderator
        }
    }

    mutating func performChat(_ command: ChatCommand, now: UInt64) -> [Effect] {
        guard let me else { return [] }
        switch command {
        case .say(let text):
            let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return [chatRefusal("not_allowed", "nothing to say")] }
            guard text.utf8.count <= ChatBlob.maximumTextBytes else {
                return [chatRefusal("not_allowed", "a message is at most \(ChatBlob.maximumTextBytes) bytes")]
            }
            guard maySay else {
                return [chatRefusal("not_allowed", chatPolicy == .off ? "the host turned the chat off" : "only people on stage may write now")]
            }
            let id = SecureRandom.bytes(ChatBlob.idLength)
            let sent = now * 1_000
            let signature = identity.memberKey.sign(ChatBlob.messageSigned(roomID: identity.keys.roomID, id: id, sent: sent, text: text))
            _ = chat.remember(id)
            return sendChat(ChatBlob.message(id: id, sent: sent, signature: signature, text: text).encoded, kind: .chat, now: now)
                + [.event(.chat(.message(ChatLine(id: Self.hex(id), from: me.info, text: text, sentMilliseconds: sent))))]
        case .react(let reaction):
            let sent = now * 1_000
            let signature = identity.memberKey.sign(ReactionBlob.signed(roomID: identity.keys.roomID, reaction: reaction, sent: sent))
            return sendChat(ReactionBlob(reaction: reaction, sent: sent, signature: signature).encoded, kind: .reaction, now: now)
                + [.event(.chat(.reaction(from: me.info, reaction)))]
        case .delete(let text):
            guard isModerator, identity.isHost || vouchingGrant != nil else {
                return [chatRefusal("not_allowed", "only moderators can delete messages")]
            }
            guard let id = Self.bytes(hex: text), id.count == ChatBlob.idLength else {
                return [chatRefusal("bad_command", "\"\(text)\" is not a message id (32 hex digits)")]
            }
            let signature = identity.memberKey.sign(ChatBlob.retractSigned(roomID: identity.keys.roomID, id: id))
            _ = chat.remember(id)
            let blob = ChatBlob.retraction(id: id, moderator: identity.memberKey.publicKey, grant: identity.isHost ? nil : vouchingGrant,
                                           signature: signature)
            return sendChat(blob.encoded, kind: .chat, now: now) + [.event(.chat(.deleted(id: text, by: me.info)))]
        case .setPolicy(let policy):
            guard identity.isHost, let hosted = identity.hosted else {
                return [chatRefusal("not_allowed", "only the host decides who may write")]
            }
            guard policy != chatPolicy else { return [] }
            do {
                let updated = try hosted.with(chatPolicy: policy)
                identity.hosted = updated
                authority.charter = updated.charter
                // The relay passes a charter update to moderators only; the blob tells everyone.
                return [.send(.charterUpdate(CharterUpdate(charter: updated.charter)))]
                    + sendChat(ChatBlob.charter(updated.charter).encoded, kind: .chat, now: now, budgeted: false)
                    + [.event(.chat(.policy(policy)))]
            } catch {
                return [chatRefusal("internal", "could not sign the new charter: \(error)")]
            }
        }
    }

    private mutating func sendChat(_ plaintext: [UInt8], kind: MetadataBox.Kind, now: UInt64, budgeted: Bool = true) -> [Effect] {
        guard !budgeted || chat.spend(now: now) else {
            return [chatRefusal("rate_limited", "too fast: at most \(Int(ChatState.blobsPerSecond)) chat messages or reactions a second")]
        }
        guard let blob = try? MetadataBox.seal(plaintext, kind: kind, metadataKey: identity.keys.metadataKey) else {
            return [chatRefusal("internal", "could not seal the message")]
        }
        return [.send(.blobSend(BlobSend(blob: blob)))]
    }

    private func chatRefusal(_ code: String, _ message: String) -> Effect {
        .event(.error(code: code, message: message))
    }

    /// A chat or reaction blob from the room, or nil when `delivery` is neither.
    mutating func chatBlobDelivered(_ delivery: BlobDelivery, now: UInt64) -> [Effect]? {
        let key = identity.keys.metadataKey
        if let plaintext = try? MetadataBox.open(delivery.blob, kind: .chat, metadataKey: key) {
            guard let blob = try? ChatBlob(encoded: plaintext) else { return refuse("chat", "a chat message that does not parse") }
            return chatReceived(blob, sender: delivery.memberKey, now: now)
        }
        if let plaintext = try? MetadataBox.open(delivery.blob, kind: .reaction, metadataKey: key) {
            guard let blob = try? ReactionBlob(encoded: plaintext) else { return refuse("reaction", "a reaction that does not parse") }
            guard Self.fresh(blob.sent, now: now, within: Self.reactionFreshnessSeconds) else { return [] }
            let signed = ReactionBlob.signed(roomID: identity.keys.roomID, reaction: blob.reaction, sent: blob.sent)
            guard let from = author(sender: delivery.memberKey, signature: blob.signature, of: signed) else {
                return refuse("reaction", "a reaction not signed by the member the relay named")
            }
            return [.event(.chat(.reaction(from: from.info, blob.reaction)))]
        }
        return nil
    }

    private mutating func chatReceived(_ blob: ChatBlob, sender: [UInt8]?, now: UInt64) -> [Effect] {
        switch blob {
        case let .message(id, sent, signature, text):
            guard Self.fresh(sent, now: now, within: Self.chatFreshnessSeconds) else { return [] }
            let signed = ChatBlob.messageSigned(roomID: identity.keys.roomID, id: id, sent: sent, text: text)
            guard let from = author(sender: sender, signature: signature, of: signed) else {
                return refuse("chat", "a chat message not signed by the member the relay named")
            }
            guard allowedToWrite(from.participant) else { return refuse("chat", "a chat message from someone the host's setting does not let write") }
            guard chat.remember(id) else { return [] }
            return [.event(.chat(.message(ChatLine(id: Self.hex(id), from: from.info, text: text, sentMilliseconds: sent))))]
        case let .retraction(id, moderator, grant, signature):
            let byHost = moderator == identity.hostKey && grant == nil
            let appointed = grant.map { grant in
                grant.role == .moderator && grant.memberKey == moderator
                    && (try? grant.verify(roomID: identity.keys.roomID, signer: identity.hostKey, now: now)) != nil
            } ?? false
            guard byHost || appointed,
                  Ed25519SigningKey.verify(signature, of: ChatBlob.retractSigned(roomID: identity.keys.roomID, id: id), publicKey: moderator) else {
                return refuse("chat", "a deletion not signed by the host or a moderator the host appointed")
            }
            _ = chat.remember(id)
            let by = roster.participant(key: moderator)?.info ?? MemberInfo(id: MemberID(key: moderator), name: nil, role: byHost ? .host : .moderator)
            return [.event(.chat(.deleted(id: Self.hex(id), by: by)))]
        case .charter(let charter):
            return charterWithChatReceived(charter)
        }
    }

    /// A charter from the relay (`charter_update`, for moderators) or from the host's chat blob:
    /// taken as any charter is, and the faces told when it changes who may write.
    mutating func charterWithChatReceived(_ charter: RoomCharter) -> [Effect] {
        let before = chatPolicy
        let effects = charterReceived(charter)
        return effects + (chatPolicy != before ? [.event(.chat(.policy(chatPolicy)))] : [])
    }

    /// The member who made `signature`: the one the relay named, if its key made it. With no
    /// sender named (a listener, to another listener) there is nobody to check against: the
    /// author is an unnamed listener (participant nil). Nil when the check fails.
    private func author(sender: [UInt8]?, signature: [UInt8], of signed: [UInt8]) -> (info: MemberInfo?, participant: Participant?)? {
        guard let sender else { return (nil, nil) }
        guard Ed25519SigningKey.verify(signature, of: signed, publicKey: sender) else { return nil }
        let participant = roster.participant(key: sender)
        return (participant?.info ?? MemberInfo(id: MemberID(key: sender), name: nil, role: .listener), participant)
    }

    /// Whether the host's setting lets this author write; an unnamed author is a listener.
    private func allowedToWrite(_ author: Participant?) -> Bool {
        switch chatPolicy {
        case .everyone: return true
        case .stage: return author?.isOnStage ?? false
        case .off: return (author?.role ?? .listener) >= .moderator
        }
    }

    static func fresh(_ sentMilliseconds: UInt64, now: UInt64, within seconds: UInt64) -> Bool {
        let sent = sentMilliseconds / 1_000
        return sent <= now + seconds && sent + seconds >= now
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
