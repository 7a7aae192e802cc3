import Testing
@testable import ParlorTUI

@Suite struct ScreenTests {
    @Test func wideCharactersTakeTwoColumns() {
        #expect(Screen.columns(of: "abc") == 3)
        #expect(Screen.columns(of: "ルーム") == 6)
        #expect(Screen.columns(of: "Zürich") == 6)
        #expect(Screen.columns(of: "🎧") == 2)
    }

    @Test func textIsClippedAtTheEdgeWithoutSplittingAWideCharacter() {
        var screen = Screen(width: 5, height: 1)
        let end = screen.put("abルー", row: 0, column: 0)
        #expect(end == 4)
        #expect(screen.text == "abル")
        #expect(screen.cells[0][3].character == nil, "second column of a wide character")
    }

    @Test func textStopsAtTheGivenColumn() {
        var screen = Screen(width: 10, height: 1)
        screen.put("|", row: 0, column: 6)
        #expect(screen.put("abcdefgh", row: 0, column: 1, until: 6) == 6)
        #expect(screen.text == " abcde|")
    }

    @Test func boxDrawsWithLineCharacters() {
        var screen = Screen(width: 6, height: 3)
        screen.box(row: 0, column: 0, height: 3, width: 6)
        #expect(screen.text == "┌────┐\n│    │\n└────┘")
        #expect(screen.cells[0][0].group == "border")
    }
}

@Suite struct KeyTesterTests {
    @Test func keysAreNamedAsKeymapFilesSpellThem() {
        #expect(Key(curses: 0xE9, isKeyCode: false) == .character("é"))
        #expect(Key(curses: 1, isKeyCode: false).name == "ctrl-a")
        #expect(Key(curses: 13, isKeyCode: false).name == "enter")
        #expect(Key(curses: 259, isKeyCode: true).name == "up")
        #expect(Key(curses: 265 + 4, isKeyCode: true).name == "f5")
        #expect(Key.character(" ").name == "space")
    }

    @Test func updateRemembersRecentKeysAndQuitsOnQ() {
        var tester = KeyTester()
        for _ in 0..<20 { _ = tester.update(key: .character("x")) }
        _ = tester.update(key: .down)
        #expect(tester.recent.count == KeyTester.remembered)
        #expect(tester.recent.last == .down)
        #expect(!tester.isFinished)
        _ = tester.update(key: .character("q"))
        #expect(tester.isFinished)
    }

    @Test func renderShowsTheLastKeyFirst() {
        var tester = KeyTester()
        _ = tester.update(key: .character("é"))
        _ = tester.update(key: .pageUp)
        let text = tester.render(width: 80, height: 24).text
        #expect(text.contains("last: pageup"))
        #expect(text.contains("      é"))
        #expect(text.hasPrefix("┌─ Parlor key names ─"))
    }
}
