import ParlorClient
import ParlorCrypto
import Testing
@testable import ParlorTUI

/// The room screen's update function on state values: keys and room events in, state and room
/// commands out. No terminal, no network.
@Suite struct RoomScreenUpdateTests {
    typealias F = RoomFixture

    static func info(_ id: MemberID) -> MemberInfo {
        let person = F.people.first { $0.id == id }!
        return MemberInfo(id: id, name: person.name, role: person.role)
    }

    /// After a ban the host's links change: the invite overlay shows the new ones, and a refusal
    /// of something the relay sent is a red line, never silent.
    @Test func newLinksReplaceTheOldOnesAndRefusalsAreShown() {
        var screen = F.hostScreen()
        _ = screen.update(event: .room(.linksChanged(listenLink: "parlor://new-listen", speakLink: "parlor://new-speak"), screen.room))
        #expect(screen.links == RoomLinks(listen: "parlor://new-listen", speak: "parlor://new-speak"))
        #expect(screen.log.last?.text.contains("New invite links") == true)
        _ = screen.update(event: .room(.refused(what: "epoch_key", reason: "epoch 9 does not follow epoch 2"), screen.room))
        #expect(screen.log.last?.isError == true)
        #expect(screen.render(width: 80, height: 24).text.contains("Refused: epoch 9 does not follow"))
        _ = screen.update(event: .room(.audioForged(Self.info(F.ada)), screen.room))
        #expect(screen.log.last?.text.contains("failed its signature") == true)
    }

    @Test func enterOnTheFirstHandOpensTheMenuAndInvites() {
        var screen = F.hostScreen()
        #expect(screen.selected == F.curious, "the oldest raised hand is selected first")
        #expect(screen.update(key: .enter).isEmpty)
        #expect(screen.overlay == .menu(target: F.curious, actions: [.inviteToStage, .dismissHand, .makeModerator, .remove, .ban], selected: 0))
        #expect(screen.render(width: 80, height: 24).text.contains("Invite to the stage"))
        #expect(screen.update(key: .enter) == [.perform(.moderate(.inviteToStage, member: F.curious))])
        #expect(screen.overlay == nil)
    }

    @Test func theMenuMovesWithTheSelectionKeysAndClosesWithEscape() {
        var screen = F.hostScreen()
        _ = screen.update(key: .enter)
        _ = screen.update(key: .character("j"))
        #expect(screen.update(key: .enter) == [.perform(.moderate(.dismissHand, member: F.curious))])
        _ = screen.update(key: .enter)
        _ = screen.update(key: .escape)
        #expect(screen.overlay == nil)
    }

    @Test func removingAndBanningAskFirst() {
        var screen = F.hostScreen()
        for _ in 0..<4 { _ = screen.update(key: .down) }
        #expect(screen.selected == F.ada, "hands, then host and moderator, then Ada")
        _ = screen.update(key: .enter)
        guard case let .menu(_, actions, _) = screen.overlay else { Issue.record("no menu"); return }
        #expect(actions == [.moveToAudience, .mute, .makeModerator, .remove, .ban])
        for _ in 0..<3 { _ = screen.update(key: .down) }
        #expect(screen.update(key: .enter).isEmpty, "remove waits for a yes")
        #expect(screen.render(width: 80, height: 24).text.contains("Remove Radio Ada from the room?"))
        #expect(screen.update(key: .character("n")).isEmpty)
        #expect(screen.overlay == nil)
        _ = screen.update(key: .enter)
        for _ in 0..<4 { _ = screen.update(key: .down) }
        _ = screen.update(key: .enter)
        #expect(screen.update(key: .character("y")) == [.perform(.moderate(.ban, member: F.ada))])
        #expect(!screen.isFinished)
    }

    @Test func aModeratorOnItselfCanEndTheRoomConfirmed() {
        var screen = F.hostScreen()
        _ = screen.update(key: .down)
        _ = screen.update(key: .down)
        #expect(screen.selected == F.host)
        _ = screen.update(key: .enter)
        #expect(screen.overlay == .menu(target: F.host, actions: [.lowerEveryHand, .endRoom], selected: 0))
        _ = screen.update(key: .down)
        _ = screen.update(key: .enter)
        #expect(screen.update(key: .enter) == [.perform(.moderate(.endRoom, member: nil))])
    }

    @Test func handAndMuteFollowWhereYouAre() {
        var listener = F.listenerScreen()
        #expect(listener.update(key: .character("h")) == [.perform(.lowerHand)], "Quincy's hand is up")
        #expect(listener.update(key: .character("m")).isEmpty)
        #expect(listener.log.last == RoomLogLine("Only people on stage have a microphone; raise your hand to ask", isError: true))

        var host = F.hostScreen()
        #expect(host.update(key: .character("m")) == [.perform(.mute)])
        #expect(host.update(key: .character("h")).isEmpty)
        var muted = F.snapshot()
        muted.selfMuted = true
        _ = host.update(event: .room(.muted(Self.info(F.host), muted: true, byModerator: false), muted))
        #expect(host.update(key: .character("m")) == [.perform(.unmute)])
        let text = host.render(width: 80, height: 24).text
        #expect(text.contains(" MUTED ") && text.contains("× Hostname Zoë (you)  host  muted"), "\(text)")
    }

    @Test func leavingAsksOnStageButNotInTheAudience() {
        var host = F.hostScreen()
        #expect(host.update(key: .character("q")).isEmpty)
        #expect(host.render(width: 80, height: 24).text.contains("You are hosting. Leave the room?"))
        #expect(host.update(key: .escape).isEmpty)
        #expect(!host.isFinished)
        _ = host.update(key: .character("q"))
        #expect(host.update(key: .character("y")) == [.perform(.leave)])
        #expect(host.isFinished)

        var listener = F.listenerScreen()
        #expect(listener.update(key: .character("q")) == [.perform(.leave)])
        #expect(listener.isFinished)
    }

    @Test func anInvitationIsAQuestion() {
        var listener = F.listenerScreen()
        _ = listener.update(event: .room(.invitedToStage(by: Self.info(F.host), role: .speaker), listener.room))
        #expect(listener.render(width: 80, height: 24).text.contains("Hostname Zoë invites you on stage as speaker. Go up?"))
        #expect(listener.update(key: .character("y")) == [.perform(.acceptInvite)])

        var later = F.listenerScreen()
        #expect(later.run("accept").isEmpty, "no invitation yet")
        var invited = later.room
        invited.invitationPending = true
        _ = later.update(event: .room(.invitedToStage(by: Self.info(F.host), role: .speaker), invited))
        #expect(later.update(key: .character("n")).isEmpty)
        #expect(later.run("accept") == [.perform(.acceptInvite)], "the invitation can be taken up later")
    }

    @Test func theEndOfTheStayIsShownUntilAKey() {
        var screen = F.listenerScreen()
        _ = screen.update(event: .exited(.removed(banned: false)))
        #expect(screen.render(width: 80, height: 24).text.contains("A moderator removed you from the room."))
        #expect(!screen.isFinished)
        _ = screen.update(key: .resize)
        #expect(!screen.isFinished, "a resize is not a key press")
        _ = screen.update(key: .character("x"))
        #expect(screen.isFinished)

        var failed = F.listenerScreen()
        _ = failed.update(event: .exited(.failed("cannot reach the relay at 127.0.0.1:34935: Connection refused")))
        let text = failed.render(width: 80, height: 24).text
        #expect(text.contains("│ Could not stay in the room: cannot reach the relay   │"), "a long reason wraps inside its box:\n\(text)")
        #expect(text.contains("│ at 127.0.0.1:34935: Connection refused"), "\(text)")

        var left = F.listenerScreen()
        _ = left.update(event: .exited(.left))
        #expect(left.isFinished)
        var interrupted = F.hostScreen()
        #expect(interrupted.update(event: .interrupted) == [.perform(.leave)])
        #expect(interrupted.isFinished)
    }

    @Test func talkingGlyphsFollowTheRoomsTalkingEvents() {
        var screen = F.hostScreen()
        #expect(screen.render(width: 80, height: 24).text.contains("◉ Radio Ada"))
        _ = screen.update(event: .room(.speakingStopped(Self.info(F.ada)), F.snapshot()))
        #expect(screen.render(width: 80, height: 24).text.contains("○ Radio Ada"))
    }

    @Test func aDroppedConnectionShowsUntilTheClientIsBack() {
        var screen = F.listenerScreen()
        _ = screen.update(event: .room(.reconnecting(attempt: 2, delaySeconds: 1), screen.room))
        var text = screen.render(width: 80, height: 24).text
        #expect(text.contains(" RECONNECTING… ") && text.contains("Connection lost; trying again in 1.0 s (attempt 2)"), "\(text)")
        _ = screen.update(event: .room(.reconnected, screen.room))
        text = screen.render(width: 80, height: 24).text
        #expect(!text.contains("RECONNECTING") && text.contains(" LISTENING "), "\(text)")
    }

    @Test func volumeChangesTheSelectedSpeakerOnly() {
        var screen = F.hostScreen()
        _ = screen.update(key: .character("+"))
        #expect(screen.log.last?.isError == true, "a raised hand is not a speaker")
        for _ in 0..<4 { _ = screen.update(key: .down) }
        #expect(screen.update(key: .character("+")) == [.setVolume(F.ada, 1.1)])
        #expect(screen.update(key: .character("-")) == [.setVolume(F.ada, 1.0)])
        #expect(screen.update(key: .character("-")) == [.setVolume(F.ada, 0.9)])
        #expect(screen.render(width: 80, height: 24).text.contains("Radio Ada  ▮▮▮▮  vol 90 %"))
    }

    @Test func theCommandLineCompletesAndRuns() {
        var screen = F.hostScreen()
        _ = screen.update(key: .character("/"))
        for c in "inv" { _ = screen.update(key: .character(c)) }
        _ = screen.update(key: .tab)
        #expect(screen.overlay == .commandLine("invite "))
        for c in "cu" { _ = screen.update(key: .character(c)) }
        _ = screen.update(key: .tab)
        #expect(screen.overlay == .commandLine("invite Curious"))
        #expect(screen.render(width: 80, height: 24).text.contains("/invite Curious█"))
        #expect(screen.update(key: .enter) == [.perform(.moderate(.inviteToStage, member: F.curious))])

        #expect(screen.run("volume Radio Ada 50") == [.setVolume(F.ada, 0.5)])
        #expect(screen.run("silence ルーム") == [.perform(.moderate(.mute, member: F.kenji))], "the start of a wide name is enough")
        #expect(screen.run("remove bo").isEmpty)
        #expect(screen.update(key: .character("y")) == [.perform(.moderate(.remove, member: F.bo))])
        #expect(screen.run("lowerall") == [.perform(.moderate(.lowerEveryHand, member: nil))], "an action on the room takes no name")
        #expect(screen.complete("lowera") == "lowerall")
        #expect(screen.run("end").isEmpty, "ending the room asks first")
        #expect(screen.update(key: .character("y")) == [.perform(.moderate(.endRoom, member: nil))])
        #expect(screen.run("fly").isEmpty)
        #expect(screen.log.last?.text.hasPrefix("Unknown command /fly") == true)
        #expect(screen.run("invite Nobody").isEmpty)
        #expect(screen.log.last == RoomLogLine("Nobody here is called Nobody", isError: true))
        #expect(screen.complete("m") == "m", "mute, moderator: nothing in common past m")
        #expect(screen.complete("mo") == "moderator ")
    }

    @Test func helpListsTheLiveBindingsOfARemappedKeymap() throws {
        let keymap = try Keymap.parse(#"hand = ["r"]"#, source: "test")
        var screen = RoomScreen(keymap: keymap, room: F.listenerScreen().room)
        #expect(screen.update(key: .character("r")) == [.perform(.lowerHand)])
        #expect(screen.update(key: .character("h")).isEmpty)
        _ = screen.update(key: .character("?"))
        let text = screen.render(width: 80, height: 24).text
        #expect(text.contains("│ r      raise or lower your hand"), "\(text)")
        #expect(text.contains(" r hand "), "the hint line follows the keymap too:\n\(text)")
    }

    @Test func theInviteKeyShowsTheLinks() {
        var screen = F.hostScreen()
        _ = screen.update(key: .character("i"))
        let text = screen.render(width: 80, height: 24).text
        #expect(text.contains("parlor://127.0.0.1:7700/#AQlisten") && text.contains("parlor://127.0.0.1:7700/#AQspeak"), "\(text)")
        _ = screen.update(key: .character("x"))
        #expect(screen.overlay == nil)
    }

    @Test func aTinyTerminalIsAskedToGrow() {
        let text = F.hostScreen().render(width: 30, height: 8).text
        #expect(text.hasPrefix("Parlor needs at least 40×12"), "\(text)")
    }

    @Test func everySizeFromTinyToHugeKeepsTheBarsInPlace() {
        let screen = F.hostScreen()
        for (width, height) in [(40, 12), (60, 20), (80, 24), (119, 30), (120, 30), (200, 60)] {
            let rows = screen.render(width: width, height: height).text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(rows.count == height)
            #expect(rows.first?.hasPrefix(" Parlor · ") == true, "\(width)×\(height)")
            #expect(rows.last?.hasPrefix(" RTT ") == true, "\(width)×\(height)")
        }
    }
}
