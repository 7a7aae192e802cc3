import Foundation
import ParlorTestSupport
import Testing

/// The headless faces chat through commands and events: a listener's `say` and `react` reach the
/// host as `chat` and `reaction` events, named; the host's `delete_chat` reaches the listener as
/// `chat_deleted`; `chat_policy stage` stops the listener's next `say` with an error at once.
@Suite(.serialized) struct HeadlessChatTests {
    @Test func sayReactDeleteAndThePolicyThroughJSONLines() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (relay, host, created) = try HeadlessFaceTests.startRoom(in: dir)
        defer { relay.stop(); host.stop() }
        let listener = try BackgroundProcess([try ParlorBinary.path(), "listen", try #require(created["listen_link"] as? String),
                                              "--name", "Curious ✨", "--no-audio"], in: dir, withInput: true)
        defer { listener.stop() }
        _ = try listener.waitForLine(containing: "\"joined\"")
        listener.send("{\"command\":\"say\",\"text\":\"a question, 質問\"}")
        let chat = try HeadlessFaceTests.json(try host.waitForLine(containing: "\"event\":\"chat\""))
        #expect(chat["text"] as? String == "a question, 質問")
        #expect((chat["member"] as? [String: Any])?["name"] as? String == "Curious ✨")
        let id = try #require(chat["id"] as? String)
        listener.send("{\"command\":\"react\",\"reaction\":\"👏\"}")
        let reaction = try HeadlessFaceTests.json(try host.waitForLine(containing: "\"event\":\"reaction\""))
        #expect(reaction["reaction"] as? String == "clap")
        host.send("{\"command\":\"delete_chat\",\"message\":\"\(id)\"}")
        let deleted = try HeadlessFaceTests.json(try listener.waitForLine(containing: "\"event\":\"chat_deleted\""))
        #expect(deleted["id"] as? String == id)
        host.send("{\"command\":\"chat_policy\",\"policy\":\"stage\"}")
        _ = try listener.waitForLine(containing: "\"event\":\"chat_policy\"")
        listener.send("{\"command\":\"say\",\"text\":\"still here\"}")
        let refused = try HeadlessFaceTests.json(try listener.waitForLine(containing: "only people on stage"))
        #expect(refused["event"] as? String == "error")
        listener.send("{\"command\":\"react\",\"reaction\":\"shrug\"}")
        _ = try listener.waitForLine(containing: "react needs")
        // The relay took the host's new charter (its chat byte included) and hands it to a newcomer
        // in `joined`: the newcomer, too, may not write.
        #expect(!host.output.contains("\"event\":\"error\""), "the relay refused nothing of the host's: \(host.output.suffix(500))")
        let late = try BackgroundProcess([try ParlorBinary.path(), "listen", try #require(created["listen_link"] as? String),
                                          "--name", "Late", "--no-audio"], in: dir, withInput: true)
        defer { late.stop() }
        _ = try late.waitForLine(containing: "\"joined\"")
        late.send("{\"command\":\"say\",\"text\":\"hello?\"}")
        _ = try late.waitForLine(containing: "only people on stage")
    }
}
