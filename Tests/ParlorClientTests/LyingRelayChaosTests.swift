import ParlorClient
import ParlorCrypto
import ParlorProtocol
import Testing

/// The relay lies at random (docs/PROTOCOL.md §11, threat 18): a real `RoomSession`, a listener's
/// and the host's, is handed tens of thousands of control messages made from an honest room's —
/// replayed out of order, or with their encoded bytes mutated (bits flipped, bytes set, put in,
/// taken out, runs of another message spliced in) and decoded again, as a relay could send them.
/// Whatever arrives, the session must not crash (a trap ends the test process), must hold no epoch
/// secret the host did not make, must list no member the honest room did not have, nor any in a
/// role the host did not give it, on stage by a grant it saw revoked, or under another's name, must seal keys to nobody else, and must
/// not be on stage without having agreed to it. `HostileRelayTests` has one test per known attack; this one looks for the
/// attacks nobody listed.
@Suite struct LyingRelayChaosTests {
    /// Messages fed to each victim per seed.
    static let steps = 30_000

    /// An honest room's story: every message the relay passed on in it, and lies it could make
    /// of them (raises without their grants, cards moved from one member to another).
    struct HonestRoom {
        var listener: RoomSession
        var host: RoomSession
        var corpus: [ControlMessage] = []
        var memberKeys: Set<[UInt8]> = []
        /// The highest role the host gave each member (by its link, or a grant it signed).
        var maximumRoles: [[UInt8]: Role] = [:]
        /// Each member's own name.
        var names: [[UInt8]: String] = [:]
        var secrets: [UInt64: [UInt8]] = [:]

        init(_ fixture: RoomFixture) throws {
            var host = fixture.host()
            var bob = try fixture.member("Bob", slot: 2, host: host)
            var cy = try fixture.member("Cy", link: fixture.room.speakLink, slot: 3, host: host)
            let hostKey = fixture.room.hostKey.publicKey, bobKey = bob.identity.memberKey.publicKey, cyKey = cy.identity.memberKey.publicKey
            corpus.append(.joined(Joined(memberIndex: 1, senderSlot: 2, role: .listener, epoch: 0, roster: [fixture.hostEntry(of: host)])))
            corpus.append(.memberJoined(MemberJoined(member: fixture.hostEntry(of: host))))
            corpus.append(.memberJoined(MemberJoined(member: fixture.entry(of: bob, slot: 2))))
            corpus += Self.relayed(fixture.admit(&bob, slot: 2, into: &host), from: hostKey)
            listener = bob
            self.host = host
            corpus.append(.memberJoined(MemberJoined(member: fixture.entry(of: cy, slot: 3))))
            let cyJoined = fixture.admit(&cy, slot: 3, into: &host)
            corpus += Self.relayed(cyJoined, from: hostKey)
            _ = bob.receive(.memberJoined(MemberJoined(member: fixture.entry(of: cy, slot: 3))), now: RoomFixture.now)
            fixture.deliver(cyJoined, to: &bob)
            // A raised hand, an invitation, chat both ways, a mute, a role change, a departure
            // and the rekey after it, and each of the relay's refusals.
            corpus.append(.handUpdate(HandUpdate(memberKey: bobKey, raised: true)))
            let now = RoomFixture.now
            for (effects, sender) in [(host.perform(.moderate(.inviteToStage, member: MemberID(key: bobKey)), now: now), hostKey),
                                      (host.perform(.chat(.say("welcome")), now: now), hostKey),
                                      (bob.perform(.chat(.say("thanks")), now: now), bobKey),
                                      (host.perform(.moderate(.mute, member: MemberID(key: cyKey)), now: now), hostKey),
                                      (host.perform(.moderate(.makeModerator, member: MemberID(key: cyKey)), now: now), hostKey),
                                      (host.receive(.memberLeft(MemberLeft(memberKey: cyKey)), now: now + 5), hostKey),
                                      (host.tick(now: now + 10), hostKey)] {
                corpus += Self.relayed(effects, from: sender)
            }
            // Bob up by the host's grant and Cy made moderator by another, each with its proof,
            // and the same raises without one.
            let bobUp = RoleProof([try Grant(roomID: fixture.room.keys.roomID, memberKey: bobKey, role: .speaker, expiry: now + 3_600,
                                             signer: fixture.room.hostKey)])
            let cyUp = RoleProof([try Grant(roomID: fixture.room.keys.roomID, memberKey: cyKey, role: .moderator, expiry: now + 3_600,
                                            signer: fixture.room.hostKey)])
            var bobOnStage = fixture.entry(of: bob, slot: 2)
            bobOnStage.role = .speaker
            bobOnStage.roleProof = bobUp
            corpus += [.roleChanged(RoleChanged(memberKey: bobKey, role: .speaker, roleProof: bobUp)),
                       .roleChanged(RoleChanged(memberKey: cyKey, role: .moderator, roleProof: cyUp)),
                       .memberJoined(MemberJoined(member: bobOnStage)),
                       .roleChanged(RoleChanged(memberKey: bobKey, role: .speaker)), .roleChanged(RoleChanged(memberKey: cyKey, role: .moderator)),
                       .handUpdate(HandUpdate(memberKey: bobKey, raised: false)), .memberLeft(MemberLeft(memberKey: cyKey))]
            // Both moved to the audience (which revokes their grants, threat 22), and Bob invited again by a fresh grant.
            let bobAgain = RoleProof([try Grant(roomID: fixture.room.keys.roomID, memberKey: bobKey, role: .speaker, expiry: now + 3_601,
                                                signer: fixture.room.hostKey)])
            corpus += [.roleChanged(RoleChanged(memberKey: bobKey, role: .listener)), .roleChanged(RoleChanged(memberKey: cyKey, role: .listener)),
                       .roleChanged(RoleChanged(memberKey: bobKey, role: .speaker, roleProof: bobAgain))]
            maximumRoles = [hostKey: .host, bobKey: .speaker, cyKey: .moderator]
            // Cards moved from one member to another (threat 21).
            let hostCard = fixture.hostEntry(of: host).profile!, bobCard = fixture.entry(of: bob, slot: 2).profile!
            var cyAsHost = fixture.entry(of: cy, slot: 3)
            cyAsHost.profile = hostCard
            corpus += [.profileDelivery(Profile(memberKey: cyKey, blob: hostCard)), .profileDelivery(Profile(memberKey: hostKey, blob: bobCard)),
                       .memberJoined(MemberJoined(member: cyAsHost))]
            names = [hostKey: "Ana", bobKey: "Bob", cyKey: "Cy"]
            for code in ErrorMessage.Code.allCases {
                corpus.append(.error(ErrorMessage(code, text: "refused", inReplyTo: ControlMessageType.keyDelivery.rawValue)))
                corpus.append(.error(ErrorMessage(code, text: "refused", inReplyTo: ControlMessageType.join.rawValue)))
            }
            memberKeys = [hostKey, bobKey, cyKey]
            secrets = host.epochs.secrets
        }

        /// What an honest relay passes on for what `sender` sent among `effects`.
        static func relayed(_ effects: [RoomSession.Effect], from sender: [UInt8]) -> [ControlMessage] {
            sent(effects).map { message in
                switch message {
                case .moderation(let m): .moderation(Moderation(m.act, target: m.target, actor: sender))
                case .blobSend(let b): .blobDelivery(BlobDelivery(memberKey: sender, blob: b.blob))
                case .profileSet(let p): .profileDelivery(Profile(memberKey: sender, blob: p.blob))
                default: message
                }
            }
        }
    }

    /// A seeded xorshift generator, so that a failure replays.
    struct Chaos: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
    }

    /// `bytes` with one to three random edits, most of them to a byte's value (a message whose
    /// lengths no longer add up is refused by the decoder, which its own fuzz target covers).
    static func mutate(_ bytes: [UInt8], splicing other: [UInt8], using chaos: inout Chaos) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...3, using: &chaos) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &chaos)
            switch [0, 0, 0, 1, 1, 1, 2, 3, 4, 4, 5].randomElement(using: &chaos)! {
            case 0 where !bytes.isEmpty: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &chaos)
            case 1 where !bytes.isEmpty: bytes[at] = [0, 1, 0x7F, 0x80, 0xFF, UInt8.random(in: 0...255, using: &chaos)].randomElement(using: &chaos)!
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &chaos), at: at)
            case 3 where !bytes.isEmpty: bytes.remove(at: at)
            case 4 where !other.isEmpty:
                let from = Int.random(in: 0..<other.count, using: &chaos)
                let run = other[from..<min(other.count, from + Int.random(in: 1...32, using: &chaos))]
                bytes.replaceSubrange(at..<min(bytes.count, at + run.count), with: run)
            default: bytes = Array(bytes.prefix(at))
            }
        }
        return bytes
    }

    /// What one victim went through.
    struct Tally {
        var fed = 0, mutatedFed = 0, undecodable = 0, refused = 0, restarts = 0, revocations = 0, revokedShown = 0
        /// The first thing the victim held or did that the honest room never had, if any.
        var violation: String?
    }

    /// What `victim`, after handing out `effects`, holds that `room` never had: keys sealed to a
    /// stranger, a stranger in its roster, a member under another's name (threat 21), another
    /// member in a role the host never gave it (threat 20) or on stage by a grant `revoked` (signatures of
    /// grants the victim was seen to move a member down from, threat 22), itself in a role above what it agreed to (threat 19), or (a member, not the
    /// keeper) a secret the host did not make.
    static func violation(_ victim: RoomSession, _ effects: [RoomSession.Effect], room: HonestRoom, isHost: Bool,
                          revoked: Set<[UInt8]>) -> String? {
        func short(_ key: [UInt8]) -> String { key.prefix(4).map { String(format: "%02x", $0) }.joined() }
        for case .keyDelivery(let delivery) in sent(effects) {
            if let stranger = delivery.secrets.first(where: { !room.memberKeys.contains($0.memberKey) }) {
                return "epoch \(delivery.epoch) sealed to \(short(stranger.memberKey))…, a key the room never had"
            }
        }
        if let stranger = victim.roster.all.first(where: { !room.memberKeys.contains($0.key) }) {
            return "\(short(stranger.key))…, a member the room never had, is in the roster"
        }
        if let misnamed = victim.roster.all.first(where: { $0.card != nil && $0.card?.name != room.names[$0.key] }) {
            return "\(short(misnamed.key))… is shown as \(misnamed.card?.name ?? "?"), another member's name (threat 21)"
        }
        if let raised = victim.roster.all.first(where: { $0.key != victim.me?.key && $0.role > room.maximumRoles[$0.key, default: .listener] }) {
            return "\(short(raised.key))… is shown as \(raised.role), a role the host never gave it (threat 20)"
        }
        if let back = victim.roster.all.first(where: {
            $0.key != victim.me?.key && $0.role > min($0.credential?.linkGrant?.role ?? .listener, .speaker)
                && $0.roleProof.map { revoked.contains($0.grants[0].signature) } == true
        }) {
            return "\(short(back.key))… is shown as \(back.role) by a grant revoked when it was moved down (threat 22)"
        }
        let agreed = isHost ? Role.host : max(victim.identity.admission?.grant.role ?? .listener, victim.identity.grant?.role ?? .listener)
        if let me = victim.me, me.role > agreed {
            return "on stage as \(me.role) without having agreed to more than \(agreed)"
        }
        if !isHost, let (epoch, _) = victim.epochs.secrets.first(where: { room.secrets[$0.key] != $0.value }) {
            return "epoch \(epoch)'s secret is not one the host made"
        }
        return nil
    }

    /// Feeds `victim` `steps` messages from `room`'s corpus, replayed or mutated, checking after
    /// each what it holds; starts it again from `start` when a message ends its stay.
    static func torment(_ start: RoomSession, with room: HonestRoom, seed: UInt64, isHost: Bool) -> Tally {
        var chaos = Chaos(state: seed)
        var victim = start, tally = Tally(), now = RoomFixture.now
        var revoked: Set<[UInt8]> = []
        for step in 0..<steps {
            let original = room.corpus.randomElement(using: &chaos)!
            var message = original
            if Int.random(in: 0..<4, using: &chaos) > 0 {
                let other = room.corpus.randomElement(using: &chaos)!.encoded
                guard let decoded = try? ControlMessage.decode(mutate(original.encoded, splicing: other, using: &chaos)) else {
                    tally.undecodable += 1
                    continue
                }
                message = decoded
                tally.mutatedFed += 1
            }
            tally.fed += 1
            now += UInt64.random(in: 0...1, using: &chaos)
            let before = victim.roster
            if message.shownProof.map({ revoked.contains($0.grants[0].signature) }) == true { tally.revokedShown += 1 }
            var effects = victim.receive(message, now: now)
            if step % 50 == 0 { effects += victim.tick(now: now) }
            tally.refused += refusals(effects).count
            // A member moved down, with no grant, from a role a grant gave it: that grant is revoked (§4.5).
            if case .roleChanged(let change) = message, change.roleProof == nil, let was = before[MemberID(key: change.memberKey)],
               let proof = was.roleProof, change.role < was.role, victim.roster[was.id].map({ $0.role < was.role }) ?? true {
                revoked.insert(proof.grants[0].signature)
                tally.revocations += 1
            }
            if let broken = violation(victim, effects, room: room, isHost: isHost, revoked: revoked) {
                tally.violation = "step \(step): \(broken), after \(message)"
                break
            }
            if victim.phase == .finished {
                tally.restarts += 1
                victim = start
                revoked = []
            }
        }
        return tally
    }

    @Test(arguments: [1, 2, 3] as [UInt64]) func aRelayThatLiesAtRandomNeitherCrashesNorFoolsAMember(seed: UInt64) throws {
        let room = try HonestRoom(RoomFixture())
        #expect(room.listener.epochs.current != nil && room.listener.phase == .inRoom)
        for (name, victim, isHost) in [("listener", room.listener, false), ("host", room.host, true)] {
            let tally = Self.torment(victim, with: room, seed: seed &* 0x9E37_79B9_7F4A_7C15 | 1, isHost: isHost)
            #expect(tally.violation == nil, "\(name): \(tally.violation ?? "")")
            print("lying relay, seed \(seed), \(name): \(tally.fed) messages fed (\(tally.mutatedFed) mutated, \(tally.undecodable) more undecodable), \(tally.refused) refused, \(tally.revocations) grants revoked and \(tally.revokedShown) shown again, \(tally.restarts) stays ended")
            // The chaos reached the session's checks: mutated messages decoded and were refused.
            #expect(tally.mutatedFed >= Self.steps / 6, "\(name): only \(tally.mutatedFed) mutated messages decoded")
            #expect(tally.refused >= Self.steps / 50, "\(name): only \(tally.refused) refusals")
            #expect(tally.revocations >= 1 && tally.revokedShown >= 75,
                    "\(name): \(tally.revocations) grants seen revoked, \(tally.revokedShown) messages showing one again")
        }
    }
}

private extension ControlMessage {
    /// The role proof a `role_changed` or a `member_joined` shows, if any.
    var shownProof: RoleProof? {
        switch self {
        case .roleChanged(let change): change.roleProof
        case .memberJoined(let joined): joined.member.roleProof
        default: nil
        }
    }
}
