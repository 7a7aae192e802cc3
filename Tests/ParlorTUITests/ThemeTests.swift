import Foundation
import Testing
@testable import ParlorTUI

@Suite struct ThemeTests {
    static let themesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Themes").path

    @Test(arguments: ["default-dark", "light", "high-contrast", "monochrome"])
    func shippedThemeParsesAndStylesEveryGroup(name: String) throws {
        let theme = try ThemeLibrary(folders: [Self.themesFolder]).load(name)
        #expect(theme.name == name)
        #expect(!theme.description.isEmpty)
        let text = try String(contentsOfFile: "\(Self.themesFolder)/\(name).toml", encoding: .utf8)
        for group in Theme.groups {
            #expect(text.contains("\n\(group.name) = "), "\(name) leaves out \(group.name)")
        }
        // Without colour, the states a person must tell apart still look different from normal text.
        for group: HighlightGroup in ["selected", "badge-live", "talking", "error"] {
            #expect(theme.style(group, depth: .none) != theme.style("normal", depth: .none), "\(name): \(group.name)")
        }
    }

    @Test func builtInDefaultIsTheShippedFile() throws {
        let file = try String(contentsOfFile: "\(Self.themesFolder)/default-dark.toml", encoding: .utf8)
        #expect(BuiltinTheme.text == file)
        #expect(try ThemeLibrary(folders: []).load("default-dark").name == "default-dark")
    }

    @Test func userFolderComesFirstAndUnknownNamesListWhatExists() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name = \"mine\"\n[groups]\ntitle = { fg = \"red\" }\n".write(to: dir.appendingPathComponent("light.toml"), atomically: true, encoding: .utf8)
        let library = ThemeLibrary(folders: [dir.path, Self.themesFolder])
        #expect(try library.load("light").name == "mine")
        #expect(library.available() == ["default-dark", "high-contrast", "light", "monochrome"])
        #expect { try library.load("solarized") } throws: { error in
            "\(error)".contains("no theme \"solarized\"") && "\(error)".contains("themes: default-dark, high-contrast")
        }
    }

    @Test func badThemesSayWhatIsWrong() {
        func message(_ text: String) -> String {
            do {
                _ = try Theme.parse(text, source: "t.toml")
                return ""
            } catch {
                return error.description
            }
        }
        #expect(message("[groups]") == "theme t.toml: missing name = \"…\"")
        #expect(message("name = \"x\"\n[groups]\ntitel = {}").contains("unknown group \"titel\""))
        #expect(message("name = \"x\"\n[groups]\ntitle = { fg = \"#12345\" }").contains("title.fg: \"#12345\" is not a colour"))
        #expect(message("name = \"x\"\n[groups]\ntitle = { blink = true }").contains("unknown field \"blink\""))
        #expect(message("name = \"x\"\n[groups\n").hasPrefix("theme t.toml: line 2"))
    }

    @Test func styleFallsBackToNormalAndDropsColourWithoutIt() throws {
        let theme = try Theme.parse("name = \"x\"\n[groups]\nnormal = { fg = \"blue\" }\ntitle = { fg = \"red\", bold = true, mono = [\"underline\"] }", source: "t")
        #expect(theme.style("hand", depth: .palette256).foreground == .indexed(4))
        #expect(theme.style("title", depth: .palette256) == CellStyle(foreground: .indexed(1), attributes: [.bold]))
        #expect(theme.style("title", depth: .none) == CellStyle(attributes: [.bold, .underline]))
    }
}

@Suite struct TerminalColorTests {
    @Test func parsesEveryNotation() {
        #expect(TerminalColor("default") == .terminalDefault)
        #expect(TerminalColor("cyan") == .indexed(6))
        #expect(TerminalColor("bright-cyan") == .indexed(14))
        #expect(TerminalColor("208") == .indexed(208))
        #expect(TerminalColor("#FFD787") == .rgb(255, 215, 135))
        #expect(TerminalColor("#ffd78") == nil)
        #expect(TerminalColor("256") == nil)
        #expect(TerminalColor("teal") == nil)
    }

    @Test func mapsToWhatTheTerminalHas() {
        #expect(TerminalColor.rgb(255, 215, 135).cursesColor(for: .palette256) == 222)
        #expect(TerminalColor.rgb(0, 0, 0).cursesColor(for: .palette256) == 16)
        #expect(TerminalColor.rgb(250, 10, 10).cursesColor(for: .basic8) == 1)
        #expect(TerminalColor.indexed(12).cursesColor(for: .basic8) == 4)
        #expect(TerminalColor.indexed(46).cursesColor(for: .basic8) == 2)
        #expect(TerminalColor.indexed(46).cursesColor(for: .none) == -1)
        #expect(TerminalColor.terminalDefault.cursesColor(for: .palette256) == -1)
    }

    @Test func depthFollowsTheTerminalAndNoColor() {
        #expect(ColorDepth(colors: 256, noColor: false) == .palette256)
        #expect(ColorDepth(colors: 8, noColor: false) == .basic8)
        #expect(ColorDepth(colors: 2, noColor: false) == .none)
        #expect(ColorDepth(colors: nil, noColor: false) == .none)
        #expect(ColorDepth(colors: 256, noColor: true) == .none)
    }
}
