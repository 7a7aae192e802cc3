import Foundation
import ParlorClient
import Testing
@testable import ParlorTUI

/// The invite-links page: `y` copies the selected link through OSC 52, the arrows choose, any
/// other key closes; each link is drawn whole from the first column with no border, and handed
/// to the edge to write as one wrapped stream.
@Suite struct LinkCopyTests {
    static let listen = "parlor://relay.example.org:7700/#" + String(repeating: "AbCdEfGh-_", count: 20)
    static let speak = "parlor://relay.example.org:7700/#" + String(repeating: "ZyXwVuTs09", count: 25)

    static func screen() -> RoomScreen {
        RoomScreen(room: RoomFixture.snapshot(), links: RoomLinks(listen: listen, speak: speak))
    }

    @Test func yCopiesTheSelectedLinkAndArrowsChoose() {
        var screen = Self.screen()
        #expect(screen.update(key: .character("i")).isEmpty)
        #expect(screen.overlay == .links(selected: 0))
        #expect(screen.update(key: .character("y")) == [.terminal(.copy(Self.listen))])
        #expect(screen.overlay == .links(selected: 0), "copying keeps the page open")
        #expect(screen.log.last?.text.contains("Copied the listen link") == true)
        _ = screen.update(key: .down)
        #expect(screen.update(key: .character("y")) == [.terminal(.copy(Self.speak))])
        _ = screen.update(key: .down)
        #expect(screen.overlay == .links(selected: 1), "the last link stays chosen")
        _ = screen.update(key: .up)
        #expect(screen.overlay == .links(selected: 0))
        #expect(screen.update(key: .character("x")).isEmpty)
        #expect(screen.overlay == nil, "any other key closes")
    }

    @Test func oscFiftyTwoCarriesTheLinkInBase64() {
        let bytes = TerminalRequest.copy(Self.listen).bytes
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}]52;c;") && text.hasSuffix("\u{07}"))
        let payload = text.dropFirst("\u{1B}]52;c;".count).dropLast()
        #expect(Data(base64Encoded: String(payload)).map { String(decoding: $0, as: UTF8.self) } == Self.listen)
        #expect(TerminalRequest.bell.bytes == [0x07])
    }

    /// At 80×24 each link runs over full rows from column 0 with nothing else on them, and the
    /// edge gets both to write as wrapped streams.
    @Test func linksAreDrawnWholeWithoutABorder() {
        var screen = Self.screen()
        _ = screen.update(key: .character("i"))
        let drawn = screen.render(width: 80, height: 24)
        #expect(drawn.flowing.map(\.text) == [Self.listen, Self.speak])
        for flowing in drawn.flowing {
            let rows = (Self.listen.count + 79) / 80
            let lines = drawn.text.split(separator: "\n", omittingEmptySubsequences: false)
            let span = lines[flowing.row..<flowing.row + (flowing.text.count + 79) / 80]
            #expect(span.joined() == flowing.text, "the rows hold the link and nothing else")
            #expect(!span.contains { $0.contains("│") }, "no border")
            #expect(rows > 1)
        }
        #expect(drawn.text.contains("y copies the selected link"))
    }
}
