import ParlorClient
import Testing
@testable import ParlorTUI

/// The bell: for an invitation, a raised hand taken, and a hand raised in the room one hosts;
/// for nothing else, and never when config.toml turns it off.
@Suite struct NotificationTests {
    static func info(_ person: RoomPerson) -> MemberInfo { MemberInfo(id: person.id, name: person.name, role: person.role) }

    @Test func theHostHearsAHandGoUpButNotItsOwnEvents() {
        var screen = RoomFixture.hostScreen()
        let room = screen.room
        let quincy = MemberInfo(id: RoomFixture.quincy, name: "Quincy", role: .listener)
        #expect(screen.update(event: .room(.handRaised(quincy), room)) == [.terminal(.bell)])
        #expect(screen.update(event: .room(.handLowered(quincy), room)).isEmpty)
        #expect(screen.update(event: .room(.memberJoined(quincy), room)).isEmpty)
        screen.bell = false
        #expect(screen.update(event: .room(.handRaised(quincy), room)).isEmpty, "bell = false silences it")
    }

    @Test func aListenerHearsAnInvitationAndItsHandTaken() {
        var screen = RoomFixture.listenerScreen()
        let room = screen.room
        let host = MemberInfo(id: RoomFixture.host, name: "Hostname Zoë", role: .host)
        let quincy = MemberInfo(id: RoomFixture.quincy, name: "Quincy", role: .listener)
        #expect(screen.update(event: .room(.invitedToStage(by: host, role: .speaker), room)) == [.terminal(.bell)])
        // A listener does not host: someone else's hand rings nothing.
        let curious = MemberInfo(id: RoomFixture.curious, name: "Curious", role: .listener)
        #expect(screen.update(event: .room(.handRaised(curious), room)).isEmpty)
        // Quincy's hand is up (the fixture): brought on stage, the hand was taken.
        var onStage = room.people.map { $0.id == RoomFixture.quincy ? RoomPerson(id: $0.id, name: $0.name, role: .speaker) : $0 }
        onStage.sort { $0.isOnStage && !$1.isOnStage }
        let after = RoomSnapshot(title: room.title, safetyCode: room.safetyCode, me: room.me, people: onStage, hands: [])
        #expect(screen.update(event: .room(.speakerAdded(quincy), after)) == [.terminal(.bell)])
        // Someone else coming on stage rings nothing.
        #expect(screen.update(event: .room(.speakerAdded(curious), after)).isEmpty)
    }

    @Test func configTurnsTheBellOffAndRefusesTypos() throws {
        #expect(try FaceSettings.parse("", source: "t").bell == true)
        #expect(try FaceSettings.parse("bell = false", source: "t").bell == false)
        #expect(throws: FaceSettings.ParseError.self) { try FaceSettings.parse("bel = false", source: "t") }
        #expect(throws: FaceSettings.ParseError.self) { try FaceSettings.parse("bell = \"no\"", source: "t") }
    }
}
