import Foundation
import ParlorTestSupport
import Testing

/// The hallway's memory with real processes: a link the host replaced (by a ban) is refused with
/// link_revoked and marked; a saved room whose relay has gone is marked by the hallway's probe;
/// `d` then `y` forgets a room, in the file too; a scripted `parlor listen` saves nothing.
@Suite(.serialized) struct HallwayMemoryInTmuxTests {
    @Test func replacedLinksAndSilentRelaysAreMarkedAndRoomsForgotten() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let parlor = try ParlorBinary.path()
        let data = dir.path("data")
        let config = ["XDG_DATA_HOME": data]
        let roomsFile = data + "/parlor/rooms.json"

        // A room whose relay will be gone.
        let goneDir = try TemporaryDirectory("parlor-gone")
        defer { goneDir.remove() }
        let gone = try RoomScreenInTmuxTests.headlessRoom(in: goneDir)
        let goneLink = gone.listenLink
        gone.host.stop()
        gone.relay.stop()

        // A live room; a listener joins by its listen link and is banned, which replaces the link.
        let (relay, host, created) = try HeadlessFaceTests.startRoom(in: dir)
        defer { relay.stop(); host.stop() }
        let oldLink = try #require(created["listen_link"] as? String)
        let scripted = try BackgroundProcess([parlor, "listen", oldLink, "--name", "Scripted", "--no-audio"],
                                             environment: config, in: dir, withInput: true)
        let joined = try HeadlessFaceTests.json(try scripted.waitForLine(containing: "\"joined\""))
        let member = try #require((joined["you"] as? [String: Any])?["id"] as? String)
        host.send("{\"command\":\"ban\",\"member\":\"\(member)\"}")
        _ = try host.waitForLine(containing: "\"links_changed\"")
        #expect(scripted.waitForExit(timeout: 10) == 3)
        #expect(!FileManager.default.fileExists(atPath: roomsFile), "a scripted listen saves nothing")

        // Both rooms saved as a person's earlier visits left them.
        try FileManager.default.createDirectory(atPath: data + "/parlor", withIntermediateDirectories: true)
        let saved = [["title": "Old tea", "link": oldLink], ["title": "Gone party", "link": goneLink]]
        try JSONSerialization.data(withJSONObject: saved).write(to: URL(fileURLWithPath: roomsFile))

        // Joining by the replaced link: refused, and the saved room is marked.
        let visit = try Tmux(command: try RoomScreenInTmuxTests.command(["join", oldLink]), width: 80, height: 24, environment: config)
        defer { visit.stop() }
        try RoomScreenInTmuxTests.expect(visit, shows: "replaced the link", "the relay refuses the old link")
        try visit.send("Enter")
        try RoomScreenInTmuxTests.expect(visit, shows: "parlor exited 4", "the visit ends")
        let marked = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: roomsFile))) as? [[String: Any]])
        #expect(marked.map { $0["mark"] as? String } == ["link_revoked", nil], "only the refused link is marked: \(marked)")

        // The hallway: the replaced link marked from the visit, the gone relay by its probe.
        let hallway = try Tmux(command: try RoomScreenInTmuxTests.command(["join"]), width: 100, height: 24, environment: config)
        defer { hallway.stop() }
        try RoomScreenInTmuxTests.expect(hallway, shows: "Old tea", "the saved rooms are offered")
        try RoomScreenInTmuxTests.expect(hallway, shows: "link replaced by the host", "the replaced link is marked")
        try RoomScreenInTmuxTests.expect(hallway, shows: "Gone party  on", "the gone room is listed")
        let probed = try hallway.waitForScreen(timeout: 15) { $0.contains("relay not answering") }
        #expect(probed.contains("relay not answering"), "the gone relay is marked:\n\(probed)")
        #expect(!probed.split(separator: "\n").contains { $0.contains("Old tea") && $0.contains("not answering") },
                "the live relay is not marked silent")

        // Forget the gone room: d asks, y forgets, and the file no longer has it.
        try hallway.send("Down")
        try hallway.send("Down")
        try hallway.send("Down")
        try hallway.send("d", literal: true)
        try RoomScreenInTmuxTests.expect(hallway, shows: "Forget “Gone party”?", "forgetting asks first")
        try hallway.send("y", literal: true)
        let after = try hallway.waitForScreen(timeout: 10) { !$0.contains("Gone party") }
        #expect(!after.contains("Gone party"), "\(after)")
        let kept = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: roomsFile))) as? [[String: Any]])
        #expect(kept.compactMap { $0["link"] as? String } == [oldLink], "the file keeps only the other room: \(kept)")
        #expect(kept.first?["mark"] as? String == "link_revoked")
        try hallway.send("q", literal: true)
    }
}
