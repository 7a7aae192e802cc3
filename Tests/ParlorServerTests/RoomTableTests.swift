import Testing
@testable import ParlorServer

@Suite struct RoomTableTests {
    static func key(_ n: UInt8) -> OpaqueKey { OpaqueKey([UInt8](repeating: n, count: 32))! }
    let room = Self.key(100)
    let host = Self.key(1), alice = Self.key(2), bob = Self.key(3), carol = Self.key(4)
    let s1 = SessionID(1), s2 = SessionID(2), s3 = SessionID(3), s4 = SessionID(4)

    /// A room with a host (s1) and two listeners, Alice (s2) and Bob (s3).
    func table(_ limits: RelayLimits = RelayLimits()) throws -> RoomTable {
        var t = RoomTable(limits: limits)
        _ = try t.create(session: s1, room: room, hostKey: host, hostBoxKey: Self.key(201), directoryEntry: nil)
        _ = try t.join(session: s2, room: room, key: alice, boxKey: Self.key(202), role: .listener, grantSignature: nil)
        _ = try t.join(session: s3, room: room, key: bob, boxKey: Self.key(203), role: .listener, grantSignature: nil)
        return t
    }

    @Test func aListenerJoiningIsToldToModeratorsAndSeesOnlyTheStage() throws {
        var t = try table()
        let out = try t.join(session: s4, room: room, key: carol, boxKey: Self.key(204), role: .listener, grantSignature: nil)
        #expect(out.filter { if case .memberJoined = $0.notice { true } else { false } }.map(\.to) == [s1],
                "only the host moderates here; listeners do not learn of each other")
        guard case .joined(let you, let roster)? = out.last?.notice, out.last?.to == s4 else {
            Issue.record("no joined notice for the newcomer: \(out)")
            return
        }
        #expect(you.role == .listener)
        #expect(roster.map(\.key) == [host, carol])
    }

    @Test func moderatorsSeeTheWholeRosterWithUniqueSlots() throws {
        var t = try table()
        let out = try t.join(session: s4, room: room, key: carol, boxKey: Self.key(204), role: .moderator, grantSignature: [1])
        #expect(out.filter { if case .memberJoined = $0.notice { true } else { false } }.map(\.to) == [s1, s2, s3],
                "a moderator is on stage: everyone meets it")
        guard case .joined(_, let roster)? = out.last?.notice else {
            Issue.record("no joined notice")
            return
        }
        #expect(roster.map(\.key) == [host, alice, bob, carol])
        #expect(Set(roster.map(\.senderSlot)).count == 4, "slots are unique")
    }

    @Test func comingUpFromTheAudienceIntroducesTheSpeakerToListeners() throws {
        var t = try table()
        let out = try t.changeRole(session: s2, to: .speaker, grantSignature: [1])
        let alice = t.room(of: s2)!.members[s2]!
        // The grant's proof goes with the role, to be checked by those who get it.
        let proof = TableFixtures.proof(signature: [1])
        #expect(alice.roleProof == proof)
        #expect(out.contains(Delivery(to: s1, notice: .roleChanged(alice.key, .speaker, proof: proof))))
        #expect(out.contains(Delivery(to: s2, notice: .roleChanged(alice.key, .speaker, proof: proof))))
        #expect(out.contains(Delivery(to: s3, notice: .memberJoined(alice))))
    }

    @Test func onlyStageMembersTransmitAndMutedOnesDoNot() throws {
        var t = try table()
        #expect(t.mediaRoute(of: s2) == nil, "a listener's media is not forwarded")
        #expect(t.mediaRoute(of: s1)?.room.joinOrder == [s1, s2, s3])
        _ = try t.changeRole(session: s2, to: .speaker, grantSignature: [1])
        #expect(t.mediaRoute(of: s2) != nil)
        _ = try t.setMuted(session: s2, muted: true)
        #expect(t.mediaRoute(of: s2) == nil)
    }

    @Test func grantsCannotMakeAHostAndHostKeysAlwaysAre() throws {
        var t = try table()
        _ = try t.changeRole(session: s2, to: .host, grantSignature: [9])
        #expect(t.room(of: s2)!.members[s2]!.role == .moderator)
        // The host key joining (a host reconnecting) is host whatever it asks.
        _ = t.leave(session: s1)
        _ = try t.join(session: s4, room: room, key: host, boxKey: Self.key(201), role: .listener, grantSignature: nil)
        #expect(t.room(of: s4)!.members[s4]!.role == .host)
    }

    @Test func handsGoToModeratorsInTheOrderRaised() throws {
        var t = try table()
        let raised = try t.setHand(session: s3, raised: true)
        #expect(raised == [Delivery(to: s1, notice: .handRaised(bob)), Delivery(to: s3, notice: .handRaised(bob))])
        _ = try t.setHand(session: s2, raised: true)
        #expect(t.room(of: s1)!.hands == [s3, s2])
        #expect(try t.setHand(session: s2, raised: true).isEmpty, "raising twice does nothing")
        // Invited up: the hand comes down by itself.
        let up = try t.changeRole(session: s3, to: .speaker, grantSignature: [2])
        #expect(up.contains(Delivery(to: s1, notice: .handLowered(bob))))
        #expect(t.room(of: s1)!.hands == [s2])
        #expect(throws: RoomRefusal.forbidden) { try t.setHand(session: s1, raised: true) }
    }

    @Test func onlyModeratorsModerateAndNobodyActsOnTheHost() throws {
        var t = try table()
        #expect(throws: RoomRefusal.forbidden) { try t.moderate(session: s2, action: .mute, target: bob) }
        #expect(throws: RoomRefusal.forbidden) { try t.moderate(session: s2, action: .endRoom, target: nil) }
        _ = try t.changeRole(session: s2, to: .moderator, grantSignature: [3])
        #expect(throws: RoomRefusal.forbidden) { try t.moderate(session: s2, action: .remove, target: host) }
        #expect(throws: RoomRefusal.noSuchMember) { try t.moderate(session: s2, action: .mute, target: carol) }
    }

    @Test func moveToAudienceRevokesTheGrant() throws {
        var t = try table()
        _ = try t.changeRole(session: s2, to: .speaker, grantSignature: [7, 7])
        let out = try t.moderate(session: s1, action: .moveToAudience, target: alice,
                                 revokingGrant: TableFixtures.proof(signature: [7, 7]).grants[0].signature)
        #expect(out.contains(Delivery(to: s2, notice: .roleChanged(alice, .listener, proof: nil))))
        #expect(t.room(of: s2)!.members[s2]!.roleProof == nil, "the proof goes with the role")
        #expect(t.mediaRoute(of: s2) == nil)
        #expect(throws: RoomRefusal.grantRevoked) { try t.changeRole(session: s2, to: .speaker, grantSignature: [7, 7]) }
        _ = try t.changeRole(session: s2, to: .speaker, grantSignature: [8, 8])
        #expect(t.mediaRoute(of: s2) != nil, "a new grant works")
    }

    @Test func removeTellsTheTargetAndBanKeepsItOut() throws {
        var t = try table()
        let removed = try t.moderate(session: s1, action: .remove, target: bob)
        #expect(removed.first == Delivery(to: s3, notice: .removed(bob, banned: false, by: host)))
        #expect(removed.dropFirst().map(\.notice).allSatisfy { $0 == .memberLeft(bob) })
        #expect(t.room(of: s3) == nil)
        _ = try t.join(session: s3, room: room, key: bob, boxKey: Self.key(203), role: .listener, grantSignature: nil)
        _ = try t.moderate(session: s1, action: .ban, target: bob)
        #expect(throws: RoomRefusal.banned) {
            try t.join(session: s3, room: room, key: bob, boxKey: Self.key(203), role: .listener, grantSignature: nil)
        }
    }

    @Test func aModeratorLowersEveryHandAndEachOwnerHearsOfIt() throws {
        var t = try table()
        _ = try t.setHand(session: s2, raised: true)
        _ = try t.setHand(session: s3, raised: true)
        #expect(throws: RoomRefusal.forbidden, "a listener may not") { try t.moderate(session: s2, action: .lowerEveryHand, target: nil) }
        let out = try t.moderate(session: s1, action: .lowerEveryHand, target: nil)
        #expect(out == [Delivery(to: s1, notice: .handLowered(alice)), Delivery(to: s2, notice: .handLowered(alice)),
                        Delivery(to: s1, notice: .handLowered(bob)), Delivery(to: s3, notice: .handLowered(bob))],
                "the moderators and each owner; no listener hears of another")
        #expect(t.room(of: s1)!.hands.isEmpty)
        #expect(t.room(of: s1)!.members.values.allSatisfy { !$0.handRaised })
        #expect(try t.moderate(session: s1, action: .lowerEveryHand, target: nil).isEmpty, "with no hand up it does nothing")
    }

    @Test func aHandItsOwnerLoweredFirstIsDismissedQuietly() throws {
        var t = try table()
        _ = try t.setHand(session: s2, raised: true)
        _ = try t.setHand(session: s2, raised: false)
        #expect(try t.moderate(session: s1, action: .dismissHand, target: alice).isEmpty)
        #expect(throws: RoomRefusal.forbidden) { try t.moderate(session: s1, action: .inviteToStage, target: alice) }
    }

    @Test func endingTellsEveryoneAndDeletesTheRoom() throws {
        var t = try table()
        let out = try t.moderate(session: s1, action: .endRoom, target: nil)
        #expect(out == [s1, s2, s3].map { Delivery(to: $0, notice: .roomEnded(by: host)) })
        #expect(t.rooms.isEmpty)
        #expect(t.room(of: s2) == nil)
    }

    @Test func limitsAreEnforced() throws {
        var limits = RelayLimits()
        limits.maxMembersPerRoom = 3
        limits.maxSpeakersPerRoom = 2
        limits.maxRooms = 1
        var t = try table(limits)
        #expect(throws: RoomRefusal.roomFull) {
            try t.join(session: s4, room: room, key: carol, boxKey: Self.key(204), role: .listener, grantSignature: nil)
        }
        _ = try t.changeRole(session: s2, to: .speaker, grantSignature: [1])
        #expect(throws: RoomRefusal.stageFull) { try t.changeRole(session: s3, to: .speaker, grantSignature: [2]) }
        #expect(throws: RoomRefusal.tooManyRooms) {
            try t.create(session: s4, room: Self.key(101), hostKey: carol, hostBoxKey: Self.key(204), directoryEntry: nil)
        }
        #expect(throws: RoomRefusal.roomExists) {
            try t.create(session: s4, room: room, hostKey: carol, hostBoxKey: Self.key(204), directoryEntry: nil)
        }
    }

    @Test func listenersCannotBeMutedOrMovedSoNoOneLearnsOfThem() throws {
        var t = try table()
        #expect(throws: RoomRefusal.noSuchMember) { try t.moderate(session: s1, action: .mute, target: alice) }
        #expect(throws: RoomRefusal.noSuchMember) { try t.moderate(session: s1, action: .moveToAudience, target: alice) }
    }

    @Test func aReconnectReplacesTheStaleSessionAndEmptyRoomsGo() throws {
        var t = try table()
        let s5 = SessionID(5)
        let out = try t.join(session: s5, room: room, key: alice, boxKey: Self.key(202), role: .listener, grantSignature: nil)
        #expect(out.first == Delivery(to: s2, notice: .replaced), "the stale session is told, then closed")
        #expect(t.room(of: s2) == nil)
        #expect(t.room(of: s5)!.members.count == 3)
        _ = t.leave(session: s1)
        _ = t.leave(session: s3)
        _ = t.leave(session: s5)
        #expect(t.rooms.isEmpty)
    }

    @Test func directoryListsOnlyPublishedRoomsWithCounts() throws {
        var t = try table()
        #expect(t.directory.isEmpty)
        #expect(throws: RoomRefusal.forbidden) { try t.publish(session: s2, entry: [1]) }
        try t.publish(session: s1, entry: [0xAA])
        #expect(t.directory.map(\.entry) == [[0xAA]])
        #expect(t.directory.map(\.listeners) == [3])
        try t.publish(session: s1, entry: nil)
        #expect(t.directory.isEmpty)
    }

    @Test func blobsReachEveryoneElseNamingAListenerOnlyToModerators() throws {
        var t = try table()
        // Alice is a listener: the host learns it was her, Bob gets the blob without her key.
        #expect(try t.relayBlob(session: s2, blob: [6]) == [Delivery(to: s1, notice: .blob(from: alice, [6])),
                                                          Delivery(to: s3, notice: .blob(from: nil, [6]))])
        // The host is on stage: everyone may know who sent it.
        #expect(try t.relayBlob(session: s1, blob: [7]) == [Delivery(to: s2, notice: .blob(from: host, [7])),
                                                          Delivery(to: s3, notice: .blob(from: host, [7]))])
        #expect(throws: RoomRefusal.notInARoom) { try t.relayBlob(session: s4, blob: [6]) }
        _ = try t.changeRole(session: s2, to: .speaker, grantSignature: [1])
        #expect(try t.relayBlob(session: s2, blob: [8]).map(\.notice) == [.blob(from: alice, [8]), .blob(from: alice, [8])])
    }

    @Test func aStageMemberMutesAndUnmutesItselfButAListenerMayNot() throws {
        var t = try table()
        #expect(throws: RoomRefusal.forbidden) { try t.setMuted(session: s2, muted: true) }
        #expect(try t.setMuted(session: s1, muted: true).map(\.notice) == Array(repeating: .muted(host, true), count: 3))
        #expect(t.mediaRoute(of: s1) == nil, "a muted member's media is not forwarded")
        #expect(try t.setMuted(session: s1, muted: false).map(\.to) == [s1, s2, s3])
        #expect(t.mediaRoute(of: s1)?.slot == 1)
    }

    /// A room that empties, and one a moderator ends, are each reported once as ended, so the
    /// relay can forget what it keeps per room.
    @Test func endedRoomsAreReportedOnceWhetherEmptiedOrEnded() throws {
        var t = try table()
        _ = t.leave(session: s2)
        _ = t.leave(session: s3)
        #expect(t.takeEndedRooms().isEmpty, "the host is still in")
        _ = t.leave(session: s1)
        #expect(t.takeEndedRooms() == [room])
        #expect(t.takeEndedRooms().isEmpty, "reported once")

        var u = try table()
        _ = try u.moderate(session: s1, action: .endRoom, target: nil)
        #expect(u.takeEndedRooms() == [room])
        #expect(u.rooms.isEmpty)
    }
}

