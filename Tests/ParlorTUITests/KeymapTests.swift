import Foundation
import Testing
@testable import ParlorTUI

@Suite struct KeymapTests {
    @Test func defaultsMatchTheDocumentedKeysAndAvoidReservedOnes() {
        let map = Keymap.defaults
        #expect(map.action(for: .character("h")) == .hand)
        #expect(map.action(for: .character("j")) == .down)
        #expect(map.action(for: .up) == .up)
        #expect(map.action(for: .enter) == .act)
        #expect(map.action(for: .character("?")) == .help)
        #expect(map.action(for: .character("/")) == .command)
        for reserved in [1, 10, 11] { #expect(map.action(for: .function(reserved)) == nil) }
        for action in Action.allCases { #expect(map.keys[action]?.isEmpty == false, "\(action) unbound") }
    }

    @Test func aFileRebindsActionsAndKeepsTheRest() throws {
        let map = try Keymap.parse("hand = [\"ctrl-h\", \"f2\"]\nquit = [\"ctrl-q\"]", source: "k")
        #expect(map.action(for: .control("h")) == .hand)
        #expect(map.action(for: .function(2)) == .hand)
        #expect(map.action(for: .character("h")) == nil)
        #expect(map.action(for: .character("q")) == nil)
        #expect(map.action(for: .character("m")) == .mute)
    }

    @Test func mistakesAreNamed() {
        #expect { try Keymap.parse("hnad = [\"h\"]", source: "k") } throws: { "\($0)".contains("unknown action \"hnad\"") }
        #expect { try Keymap.parse("hand = \"h\"", source: "k") } throws: { "\($0)".contains("hand must be a list of key names") }
        #expect { try Keymap.parse("hand = [\"m\"]", source: "k") } throws: { "\($0)".contains("key \"m\" is bound to both hand and mute") }
    }

    @Test func loadsFromXDGConfigHome() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xdg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("parlor"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try Keymap.load(environment: ["XDG_CONFIG_HOME": dir.path]) == .defaults)
        try "mute = [\"space\"]".write(to: dir.appendingPathComponent("parlor/keymap.toml"), atomically: true, encoding: .utf8)
        #expect(try Keymap.load(environment: ["XDG_CONFIG_HOME": dir.path]).action(for: .character(" ")) == .mute)
    }
}
