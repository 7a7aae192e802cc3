import Foundation
import ParlorCrypto
import Testing
import ParlorClient
@testable import ParlorApp
import ParlorProtocol

@Suite struct HeadlessSchemaTests {
    let alice = MemberInfo(id: MemberID(key: [0xA1, 0x02, 0x03, 0x04, 0x05, 0x06] + [UInt8](repeating: 9, count: 26)),
                           name: "Alice \"Zürich\" 🎧", role: .speaker)

    @Test func memberIDsAreTwelveHexDigitsOfTheKey() {
        #expect(alice.id.text == "a10203040506")
        #expect(MemberID("A10203040506") == alice.id)
        #expect(MemberID("a1020304050") == nil)
        #expect(MemberID("a1020304050z") == nil)
    }

    @Test func eventsAreOneJSONObjectWithEventFirst() throws {
        let line = RoomEvent.roomCreated(title: "Tea", listenLink: "parlor://h:1/#a", speakLink: "parlor://h:1/#b", safetyCode: "12345 67890")
            .jsonLine(timeMilliseconds: 1_700_000_000_000).text
        #expect(line.hasPrefix("{\"event\":\"room_created\",\"time\":1700000000000,"))
        #expect(!line.contains("\n"))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(object["listen_link"] as? String == "parlor://h:1/#a")
        #expect(object["speak_link"] as? String == "parlor://h:1/#b")
    }

    @Test func namesWithQuotesAndControlCharactersStayValidJSON() throws {
        var tricky = alice
        tricky.name = "a\"b\\c\nd\u{01}"
        let line = RoomEvent.handRaised(tricky).jsonLine(timeMilliseconds: 0).text
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let member = object["member"] as! [String: Any]
        #expect(member["name"] as? String == "a\"b\\c\nd\u{01}")
        #expect(member["role"] as? String == "speaker")
        #expect(object["event"] as? String == "hand_raised")
    }

    @Test func aChatMessageIsOneJSONLineWithItsIDAndText() {
        let line = ChatLine(id: String(repeating: "ab", count: 16), from: alice, text: "Hello, 世界 👋", sentMilliseconds: 7)
        let json = RoomEvent.chat(.message(line)).jsonLine(timeMilliseconds: 5).text
        #expect(json.hasPrefix("{\"event\":\"chat\",\"time\":5,\"id\":\"\(line.id)\"") && json.contains("\"text\":\"Hello, 世界 👋\""), "\(json)")
        #expect(json.contains("\"sent\":7") && json.contains("\"name\":\"Alice"), "\(json)")
    }

    @Test func everyEventHasItsDocumentedName() {
        let names = [
            RoomEvent.memberJoined(alice), .memberLeft(alice), .speakerAdded(alice), .speakerRemoved(alice),
            .speakingStarted(alice), .speakingStopped(alice), .handRaised(alice), .handLowered(alice),
            .muted(alice, muted: true, byModerator: true), .muted(alice, muted: false, byModerator: false),
            .roomEnded(reason: "ended"), .reconnecting(attempt: 1, delaySeconds: 0.5), .error(code: "x", message: "y"),
        ].map(\.name)
        #expect(names == ["member_joined", "member_left", "speaker_added", "speaker_removed", "speaking_started",
                          "speaking_stopped", "hand_raised", "hand_lowered", "muted", "unmuted", "room_ended",
                          "reconnecting", "error"])
    }

    @Test func commandsParseAndMistakesSayWhy() throws {
        #expect(try RoomCommand.parse(jsonLine: "{\"command\":\"raise_hand\"}") == .raiseHand)
        #expect(try RoomCommand.parse(jsonLine: "{\"command\":\"invite_to_stage\",\"member\":\"a10203040506\"}") == .moderate(.inviteToStage, member: alice.id))
        #expect(try RoomCommand.parse(jsonLine: "{\"command\":\"mute\",\"member\":\"a10203040506\"}") == .moderate(.mute, member: alice.id))
        #expect(try RoomCommand.parse(jsonLine: "{\"command\":\"mute\"}") == .mute)
        #expect(try RoomCommand.parse(jsonLine: "{\"command\":\"lower_every_hand\"}") == .moderate(.lowerEveryHand, member: nil))
        #expect(try RoomCommand.parse(jsonLine: "{\"command\":\"end_room\"}") == .moderate(.endRoom, member: nil))
        #expect(RoomCommand.names.count == 6 + ModerationAction.allCases.count + ChatCommand.names.count)
        #expect { try RoomCommand.parse(jsonLine: "raise_hand") } throws: { "\($0)".hasPrefix("not a JSON object") }
        #expect { try RoomCommand.parse(jsonLine: "{\"cmd\":\"x\"}") } throws: { "\($0)".hasPrefix("missing \"command\"") }
        #expect { try RoomCommand.parse(jsonLine: "{\"command\":\"dance\"}") } throws: { "\($0)".hasPrefix("unknown command \"dance\"") }
        #expect { try RoomCommand.parse(jsonLine: "{\"command\":\"remove\"}") } throws: { "\($0)".contains("remove needs \"member\"") }
        #expect { try RoomCommand.parse(jsonLine: "{\"command\":\"ban\",\"member\":\"bob\"}") } throws: { "\($0)".contains("not a member id") }
    }
}
