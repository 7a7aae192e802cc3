import Foundation
import ParlorBench
import ParlorAudio
import ParlorClient
@testable import ParlorCrypto
import ParlorProtocol
import ParlorServer
import ParlorTestSupport
import Testing

/// Issue #14 done by a real relay against real clients (docs/PROTOCOL.md §11): a `RelayServer`
/// with a `RelayDeviation` (`DeviatingRelay`) tries each attack on a room of `RoomClient`s over
/// real TCP, UDP and Noise — a host, a speaker speaking recorded speech, listeners. Each attack
/// must be refused (the victim's state does not move), reported (a `refused` or `audio_forged`
/// event, or the media counters), and the room must keep working (the listeners hold the host's
/// epoch secret and keep hearing the speaker). `HostileRelayTests` and `MediaAuthenticationTests`
/// try the same attacks on the session and the pipeline alone.
@Suite(.serialized) struct HostileRelayProcessTests {
    /// A room on a deviating relay: the host, a speaker looping speech, and a listener hearing it.
    struct Room {
        let relay: DeviatingRelay
        let room: HostedRoom
        let host: TestMember
        let speaker: TestMember
        var listeners: [TestMember]

        static func start(listenersOnTCP: Int = 0, listenersOnUDP: Int = 1) async throws -> Room {
            let relay = try await DeviatingRelay.start()
            let room = try relay.relay.hostRoom()
            let host = try TestMember.host(room, title: "Hostile")
            let speaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Speaker"),
                                              media: MediaIO(source: WAVFileSource(path: try SpeechFixture.wav().path, loop: true)))
            #expect(speaker.events.wait { $0.contains { $0.name == "joined" } })
            var listeners: [TestMember] = []
            for n in 0..<(listenersOnTCP + listenersOnUDP) {
                if n < listenersOnTCP { relay.keepNextSessionOnTCP() }
                let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Listener \(n)"))
                #expect(listener.events.wait { $0.contains { $0.name == "speaking_started" } })
                let onUDP = n >= listenersOnTCP
                #expect(listener.eventually { listener.client.statistics.udp == onUDP }, "listener \(n) on \(onUDP ? "UDP" : "TCP")")
                listeners.append(listener)
            }
            return Room(relay: relay, room: room, host: host, speaker: speaker, listeners: listeners)
        }

        func stop() async {
            for member in listeners + [speaker, host] { member.client.stop() }
            await relay.stop()
        }

        /// The listener keeps hearing the speaker and holds the host's current epoch secret.
        func keepsWorking(_ listener: TestMember, _ comment: Comment) {
            let before = listener.media.packetsReceived
            #expect(listener.eventually { listener.media.packetsReceived - before > 25 }, "\(comment): the speaker is heard")
            #expect(listener.eventually {
                listener.client.state.epochs.current == host.client.state.epochs.current
                    && listener.client.state.epochs.currentSecret == host.client.state.epochs.currentSecret
            }, "\(comment): the host's epoch secret")
        }
    }

    /// The relay's control-plane lies: its own epoch secrets (signed by itself, or under the
    /// host's real statement), a phantom member, a substituted box key, a second `joined`, an
    /// impostor host in a newcomer's roster with keys the impostor signed, a listener told it is
    /// on stage, and the same listener shown on stage to the others without the grants behind it.
    @Test func theRelaysControlLiesAreRefusedAndTheRoomGoesOn() async throws {
        var room = try await Room.start()
        let (relay, host, bob) = (room.relay, room.host, room.listeners[0])
        let roomID = room.room.keys.roomID
        let bobBox = try #require(relay.entry(of: bob.memberKey)?.boxKey, "the relay knows Bob's box key from the roster")
        let bobEpochs = bob.client.state.epochs

        // 0. The room re-created by an impostor: the relay itself refuses a `create_room` for the
        // room's id under another host key (step 5 has a deviating relay show the impostor anyway).
        let impostor = Ed25519SigningKey.generate(), impostorBox = X25519KeyPair.generate()
        do {
            let probe = try RelaySocketSession(port: relay.relay.address.port, relayKey: relay.relay.key.publicKey)
            try probe.send(.createRoom(CreateRoom(roomID: roomID, hostKey: impostor.publicKey,
                                                  charter: try RoomCharter(roomID: roomID, version: 9, linkKeys: [], host: impostor))))
            let refusal = try probe.receive { if case .error(let error) = $0 { error } else { nil } }
            #expect(refusal.code == ErrorMessage.Code.roomExists.rawValue)
        }  // the probe's connection closes here

        // 1. A secret of the relay's choosing, sealed to Bob's box key under a statement it signed itself.
        let chosen = RoomKeys.newEpochSecret()
        let next = (bobEpochs.current ?? 0) + 1
        let ownStatement = try EpochStatement(roomID: roomID, epoch: next, secret: chosen, recipients: [(bob.memberKey, bobBox)],
                                              signer: .generate())
        let sealedChosen = [SealedEpochSecret(memberKey: bob.memberKey, sealedSecret: try SealedBox.seal(chosen, to: bobBox))]
        #expect(await relay.inject([.keyDelivery(KeyDelivery(epoch: next, secrets: sealedChosen, statement: ownStatement))], to: bob.memberKey))
        #expect(bob.eventually { bob.refusals("epoch_key") == 1 }, "the relay's own statement is refused")
        #expect(bob.client.state.epochs == bobEpochs)

        // 2. A phantom member: a credential under a link key and grant the host never made.
        let phantom = Ed25519SigningKey.generate(), phantomBox = X25519KeyPair.generate(), fakeLink = Ed25519SigningKey.generate()
        let fakeGrant = try Grant(roomID: roomID, memberKey: fakeLink.publicKey, role: .listener,
                                  expiry: UInt64(Date().timeIntervalSince1970) + 60, signer: .generate())
        let invented = MemberEntry(memberKey: phantom.publicKey, boxKey: phantomBox.publicKey, role: .listener, senderSlot: 90,
                                   credential: MemberCredential(roomID: roomID, memberKey: phantom, boxKey: phantomBox.publicKey,
                                                                link: (fakeLink, fakeGrant)))
        #expect(await relay.inject([.memberJoined(MemberJoined(member: invented))], to: host.memberKey))
        #expect(host.eventually { host.refusals("member") == 1 }, "the phantom is refused")
        #expect(host.client.state.roster.members[MemberID(key: phantom.publicKey)] == nil)

        // 3. Bob's real entry with the relay's box key: it could open what the host seals to Bob.
        let bobEntry = try #require(relay.entry(of: bob.memberKey))
        let relayBox = X25519KeyPair.generate()
        let substituted = MemberEntry(memberKey: bobEntry.memberKey, boxKey: relayBox.publicKey, role: bobEntry.role,
                                      senderSlot: bobEntry.senderSlot, profile: bobEntry.profile, credential: bobEntry.credential)
        #expect(await relay.inject([.memberJoined(MemberJoined(member: substituted))], to: host.memberKey))
        #expect(host.eventually { host.refusals("member") == 2 }, "the substituted box key is refused")
        #expect(host.client.state.roster.members[bob.id]?.boxKey == bobBox, "the verified entry stays")

        // 4. A second `joined` for Bob, with another slot.
        let slot = try #require(bob.client.state.me?.slot)
        let hostEntry = try #require(relay.entry(of: host.memberKey))
        #expect(await relay.inject([.joined(Joined(memberIndex: 0, senderSlot: slot + 40, role: .listener, epoch: 0, roster: [hostEntry]))],
                                   to: bob.memberKey))
        #expect(bob.eventually { bob.refusals("joined") == 1 }, "the repeated joined is refused")
        #expect(bob.client.state.me?.slot == slot && bob.client.state.epochs == bobEpochs)

        // 5. A newcomer, Dan, moves the room on. On the way, the relay (a) swaps its own secret into
        // the delivery to Bob under the host's real statement (and then passes the real one), and
        // (b) shows Dan a roster whose host is an impostor, with a secret the impostor vouches for.
        relay.arm { message, recipient in
            guard recipient.memberKey == bob.memberKey, case .keyDelivery(let real) = message else { return nil }
            let swapped = KeyDelivery(epoch: real.epoch, secrets: sealedChosen, statement: real.statement, authority: real.authority)
            return [.keyDelivery(swapped), message]
        }
        let danIdentity = try RoomIdentity(link: room.room.listenLink, name: "Dan")
        let danKey = danIdentity.memberKey.publicKey
        relay.arm { message, recipient in
            guard recipient.memberKey == danKey, case .joined(let joined) = message else { return nil }
            let roster = joined.roster.map { entry in
                entry.role != .host ? entry : MemberEntry(
                    memberKey: impostor.publicKey, boxKey: impostorBox.publicKey, role: .host, senderSlot: entry.senderSlot,
                    credential: MemberCredential(roomID: roomID, memberKey: impostor, boxKey: impostorBox.publicKey, link: nil))
            }
            let dan = joined.roster[Int(joined.memberIndex)]
            let secret = RoomKeys.newEpochSecret()
            guard let statement = try? EpochStatement(roomID: roomID, epoch: joined.epoch + 1, secret: secret,
                                                      recipients: [(danKey, dan.boxKey)], signer: impostor),
                  let sealed = try? SealedBox.seal(secret, to: dan.boxKey) else { return nil }
            return [.joined(Joined(memberIndex: joined.memberIndex, senderSlot: joined.senderSlot, role: joined.role, epoch: joined.epoch,
                                   roster: roster, charter: joined.charter)),
                    .keyDelivery(KeyDelivery(epoch: joined.epoch + 1, secrets: [SealedEpochSecret(memberKey: danKey, sealedSecret: sealed)],
                                             statement: statement))]
        }
        let dan = try TestMember.join(danIdentity)
        room.listeners.append(dan)
        #expect(bob.eventually { bob.refusals("epoch_key") == 2 }, "a secret the host's statement does not commit to")
        #expect(dan.eventually { dan.refusals("member") >= 1 && dan.refusals("epoch_key") >= 1 }, "the impostor and its keys")
        #expect(dan.client.state.roster.members[MemberID(key: impostor.publicKey)] == nil)
        #expect(dan.client.state.epochs.secrets.values.contains(chosen) == false)
        #expect(bob.client.state.epochs.secrets.values.contains(chosen) == false, "the relay's secret was never installed")
        #expect(dan.events.wait { $0.contains { $0.name == "speaking_started" } }, "Dan hears the speaker all the same")

        // The host sealed nothing to the phantom or to the relay's box key: every statement since
        // counts the four real holders (host, speaker, Bob, Dan), and Bob is still sealed to under his own key.
        let rekeys = relay.allDeliveries.filter { $0.epoch > (bobEpochs.current ?? 0) }
        #expect(!rekeys.isEmpty && rekeys.allSatisfy { $0.statement.holders == 4 }, "holders \(rekeys.map(\.statement.holders))")
        let holders = try [host, room.speaker, bob, dan].map { try #require(relay.entry(of: $0.memberKey)) }
        let digest = try EpochStatement.rosterDigest(holders.map { ($0.memberKey, $0.boxKey) })
        #expect(rekeys.allSatisfy { $0.statement.rosterDigest == digest }, "the host vouched for exactly the real members' box keys")
        #expect(relay.allDeliveries.flatMap(\.secrets).allSatisfy { $0.memberKey != phantom.publicKey })
        #expect(host.client.state.roster.members[bob.id]?.boxKey == bobBox)

        // 6. Fay, a listener with a microphone, is told she is on stage (threat 19): she refuses,
        // stays a listener, and sends nothing (with the relay's word taken, she sent 550 packets of her
        // microphone in the 11 s the test waited).
        let fay = try TestMember.join(RoomIdentity(link: room.room.listenLink, name: "Fay"),
                                      media: MediaIO(source: WAVFileSource(path: try SpeechFixture.wav().path, loop: true)))
        room.listeners.append(fay)
        #expect(fay.events.wait { $0.contains { $0.name == "speaking_started" } })
        #expect(await relay.inject([.roleChanged(RoleChanged(memberKey: fay.memberKey, role: .speaker))], to: fay.memberKey))
        #expect(fay.eventually { fay.refusals("role") == 1 }, "put on stage by the relay alone")
        try await Task.sleep(for: .seconds(1))
        #expect(fay.client.state.me?.role == .listener && fay.client.statistics.media.packetsSent == 0,
                "Fay's microphone stayed off: \(fay.client.statistics.media.packetsSent) packets sent")

        // 7. Fay shown on stage to the others, without the grants behind the role (threat 20): Bob
        // takes her for the listener her link makes her, and the host refuses the raise.
        let fayEntry = try #require(relay.entry(of: fay.memberKey))
        let shown = MemberEntry(memberKey: fayEntry.memberKey, boxKey: fayEntry.boxKey, role: .speaker, senderSlot: fayEntry.senderSlot,
                                profile: fayEntry.profile, credential: fayEntry.credential)
        #expect(await relay.inject([.memberJoined(MemberJoined(member: shown))], to: bob.memberKey))
        #expect(await relay.inject([.roleChanged(RoleChanged(memberKey: fay.memberKey, role: .moderator))], to: host.memberKey))
        #expect(bob.eventually { bob.refusals("role") == 1 } && host.eventually { host.refusals("role") == 1 })
        #expect(bob.client.state.roster[fay.id]?.isOnStage != true && host.client.state.roster[fay.id]?.role == .listener)
        // The honest way up: Fay raises her hand, the host invites her, she accepts; the relay
        // passes the host's grant on with her role, and Bob, who could not see her, meets her on stage.
        fay.client.perform(.raiseHand)
        #expect(host.eventually { host.client.state.roster[fay.id]?.handRaised == true })
        host.client.perform(.moderate(.inviteToStage, member: fay.id))
        #expect(bob.eventually { bob.client.state.roster[fay.id]?.role == .speaker }, "Bob sees Fay on stage")
        #expect(host.client.state.roster[fay.id]?.role == .speaker && bob.refusals("role") == 1 && host.refusals("role") == 1)
        #expect(fay.eventually { fay.client.statistics.media.packetsSent > 0 }, "Fay speaks")

        // 8. The host moves Fay to the audience, which revokes her grant (threat 22); the relay then
        // shows her on stage again with it, to Bob and to the host. Both refuse.
        let invitedEntry = try #require(relay.entry(of: fay.memberKey))
        let invitedProof = try #require(invitedEntry.roleProof)
        host.client.perform(.moderate(.moveToAudience, member: fay.id))
        #expect(bob.eventually { bob.client.state.roster[fay.id] == nil } && host.eventually { host.client.state.roster[fay.id]?.role == .listener })
        var again = invitedEntry
        again.role = .speaker
        #expect(await relay.inject([.memberJoined(MemberJoined(member: again))], to: bob.memberKey))
        #expect(await relay.inject([.roleChanged(RoleChanged(memberKey: fay.memberKey, role: .speaker, roleProof: invitedProof))], to: host.memberKey))
        #expect(bob.eventually { bob.refusals("role") == 2 } && host.eventually { host.refusals("role") == 2 })
        #expect(bob.client.state.roster[fay.id]?.isOnStage != true && host.client.state.roster[fay.id]?.role == .listener)

        // 9. Gus comes after the move, so he never saw it; the relay shows him Fay on stage by the
        // revoked grant. The host's epoch for him lists that grant: he takes her down.
        let gusIdentity = try RoomIdentity(link: room.room.listenLink, name: "Gus")
        let gusKey = gusIdentity.memberKey.publicKey, shownToGus = again
        relay.arm { message, recipient in
            guard recipient.memberKey == gusKey, case .joined(var joined) = message else { return nil }
            joined.roster.removeAll { $0.memberKey == fay.memberKey }
            joined.roster.append(shownToGus)
            return [.joined(joined)]
        }
        let gus = try TestMember.join(gusIdentity)
        #expect(gus.eventually { gus.client.state.epochs.current == host.client.state.epochs.current }, "Gus holds the room's keys")
        #expect(gus.eventually { gus.refusals("role") == 1 } && gus.client.state.roster[fay.id]?.isOnStage != true,
                "Gus takes Fay off the stage: \(String(describing: gus.client.state.roster[fay.id]?.role))")
        #expect(gus.events.all.contains { $0.name == "speaker_removed" })
        gus.client.stop()
        for listener in room.listeners { room.keepsWorking(listener, "after the control attacks") }
        #expect(bob.client.state.epochs.current ?? 0 > bobEpochs.current ?? 0, "Bob moved on with the room")
        await room.stop()
    }

    /// The relay's media-plane lies: frames it recorded replayed after fake churn of the speaker,
    /// frames a stage member forged under the speaker's key id with the relay's slot stamp, and a
    /// counter 10 short of 2^64. One listener takes media over TCP (where the relay records the
    /// speaker's frames), one over UDP.
    @Test func theRelaysMediaLiesAreRefusedAndTheSpeakerIsHeardAgain() async throws {
        let room = try await Room.start(listenersOnTCP: 1, listenersOnUDP: 1)
        let (relay, speaker) = (room.relay, room.speaker)
        let (bob, carol) = (room.listeners[0], room.listeners[1])
        let speakerEntry = try #require(relay.entry(of: speaker.memberKey))

        // 1. Replays after churn: 20 of the speaker's frames the relay carried to Bob, sent again
        // right after telling both listeners the speaker left and came back (same entry).
        let recorded = Array(relay.carriedMedia(to: bob.memberKey).suffix(20))
        #expect(recorded.count == 20 && recorded.allSatisfy { (try? MediaPayload.decode($0).senderSlot) == speakerEntry.senderSlot })
        let churn: [ControlMessage] = [.memberLeft(MemberLeft(memberKey: speaker.memberKey)),
                                       .memberJoined(MemberJoined(member: speakerEntry))]
        let replays = recorded.map { ControlMessage.mediaOverTCP(MediaOverTCP(payload: $0)) }
        let rejectedBefore = (bob.media.packetsRejected, carol.media.packetsRejected)
        let forgedBefore = (bob.media.batchesForged, carol.media.batchesForged)
        for listener in [bob, carol] { #expect(await relay.inject(churn + replays, to: listener.memberKey)) }
        #expect(bob.eventually { bob.media.packetsRejected - rejectedBefore.0 >= 20 && carol.media.packetsRejected - rejectedBefore.1 >= 20 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(bob.media.packetsRejected - rejectedBefore.0 == 20, "Bob (TCP) rejected each replay, nothing else")
        #expect(carol.media.packetsRejected - rejectedBefore.1 >= 20)
        #expect(bob.media.batchesForged == forgedBefore.0 && carol.media.batchesForged == forgedBefore.1, "no replay played")
        for listener in [bob, carol] { room.keepsWorking(listener, "after the replays") }

        // 2. Forgery with the relay's help: a stage member holding the epoch secret (here, taken
        // from a real client) derives the speaker's sender key and protects its own frames under
        // the speaker's key id, a little ahead of the speaker's counter; the relay stamps the
        // speaker's slot and delivers them first.
        let state = carol.client.state
        let epoch = try #require(state.epochs.current)
        let victim = try #require(state.roster.members[speaker.id])
        let keyID = SFrameContext.keyID(epoch: epoch, senderSlot: victim.slot)
        var context = try SFrameContext(suite: state.identity.link.suite)
        try context.setKey(RoomKeys.senderKey(epochSecret: try #require(state.epochs.currentSecret), senderSlot: victim.slot,
                                              boxKey: victim.boxKey), keyID: keyID)
        var forger = MediaRoom.Forger(context: context, keyID: keyID, encoder: try OpusEncoder(settings: OpusSettings()))
        let latest = try SFrameHeader.decode(MediaPayload.decode(try #require(relay.carriedMedia(to: bob.memberKey).last)).sframe).header.counter
        let forged = try stride(from: latest + 15, to: latest + 75, by: 4).map {
            ControlMessage.mediaOverTCP(MediaOverTCP(payload: try forger.frame(counter: $0, stampedSlot: victim.slot)))
        }
        for listener in [bob, carol] { #expect(await relay.inject(forged, to: listener.memberKey)) }
        for listener in [bob, carol] {
            #expect(listener.eventually { listener.forgeries(of: speaker.id) >= 1 }, "audio_forged names the speaker")
            #expect(listener.media.batchesForged > 0)
        }
        // Once the forged range has passed (1.2 s), the speaker's batches verify again.
        try await Task.sleep(for: .milliseconds(1_500))
        for listener in [bob, carol] {
            let verified = listener.media.batchesVerified, withheld = listener.media.framesWithheld
            #expect(listener.eventually { listener.media.batchesVerified - verified >= 5 }, "the speaker verifies again")
            #expect(listener.media.framesWithheld == withheld, "and plays again")
            room.keepsWorking(listener, "after the forgery")
        }

        // 3. A frame under the speaker's key id with counter 2^64 - 10: dropped and counted, no harm done.
        let far = try forger.frame(counter: UInt64.max - 9, stampedSlot: victim.slot)
        let outOfRange = (bob.media.countersOutOfRange, carol.media.countersOutOfRange)
        for listener in [bob, carol] { #expect(await relay.inject([.mediaOverTCP(MediaOverTCP(payload: far))], to: listener.memberKey)) }
        #expect(bob.eventually { bob.media.countersOutOfRange == outOfRange.0 + 1 && carol.media.countersOutOfRange == outOfRange.1 + 1 })
        for listener in [bob, carol] { room.keepsWorking(listener, "after the far counter") }
        await room.stop()
    }
}
