import ParlorClient
import Testing
@testable import ParlorTUI

@Suite struct RoomRenderTests {
    @Test func printAll() {
        let s = RoomFixture.hostScreen()
        print(s.render(width: 80, height: 24).text)
        print(s.render(width: 160, height: 48).text)
    }
}
