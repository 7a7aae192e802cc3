import ParlorClient
import Testing
@testable import ParlorTUI

/// Text snapshots of the room screen, rendered from state values alone (no terminal): the host's
/// view (moderator panels: raised hands in order, the audience with its named members) and a
/// listener's view, each at 80×24 and 160×48. Colours are the theme's business; the text is here.
@Suite struct RoomSnapshotTests {
    /// Each view and size, and the snapshot it must render to.
    static let cases: [(name: String, screen: @Sendable () -> RoomScreen, width: Int, height: Int, expected: String)] = [
        ("host at 80×24", RoomFixture.hostScreen, 80, 24, hostAt80x24),
        ("host at 160×48", RoomFixture.hostScreen, 160, 48, hostAt160x48),
        ("listener at 80×24", RoomFixture.listenerScreen, 80, 24, listenerAt80x24),
        ("listener at 160×48", RoomFixture.listenerScreen, 160, 48, listenerAt160x48),
    ]

    @Test(arguments: cases.indices) func rendersItsSnapshot(_ index: Int) {
        let view = Self.cases[index]
        let screen = view.screen().render(width: view.width, height: view.height)
        #expect(screen.text == view.expected, "\(view.name), got:\n\(screen.text)")
    }

    /// Audio lost on this machine (xruns, a stalled loop, a disk behind) shows in the status line,
    /// and nothing shows while there is none.
    @Test func theStatusLineCountsAudioGlitches() {
        var screen = RoomFixture.hostScreen()
        #expect(!screen.render(width: 100, height: 24).text.contains("glitches"))
        _ = screen.update(event: .quality(LinkQuality(roundTripMilliseconds: 23.4, udp: true, audioGlitches: 3)))
        #expect(screen.render(width: 100, height: 24).text.contains("audio glitches 3"))
    }

    static let hostAt80x24 = #"""
 Parlor · Friday tea 🫖 — Zürich            LIVE   E2E 01234 56789 00042 99999
┌─ Stage (5) ──────────────────────────────────────────────────────────────────┐
│ ◉ Hostname Zoë (you)  host  ▮▮▮                                              │
│ ○ Mod Marta  moderator                                                       │
│ ◉ Radio Ada  ▮▮▮▮                                                            │
│ × ルーム Kenji  muted                                                        │
│ ○ Bo                                                                         │
└──────────────────────────────────────────────────────────────────────────────┘
┌─ Raised hands (2) ───────────────────────────────────────────────────────────┐
│▸1. ✋ Curious                                                                │
│ 2. ✋ Quincy                                                                 │
│ Enter on a hand to invite or dismiss                                         │
└──────────────────────────────────────────────────────────────────────────────┘
┌─ Audience (5) ───────────────────────────────────────────────────────────────┐
│ Quincy                                                                       │
│▸Curious                                                                      │
│ 3 listeners not named                                                        │
└──────────────────────────────────────────────────────────────────────────────┘
┌─ Chat ───────────────────────────────────────────────────────────────────────┐
│ No messages yet; c writes                                                    │
└──────────────────────────────────────────────────────────────────────────────┘
 Quincy raised a hand
 h hand  m mute  Enter act  i invite  c chat  / command  ? help  q leave
 RTT 23 ms  loss 1.3 %  jitter 60 ms  UDP  mic █████░░░░░ -30 dB  AEC NS AGC
"""#

    static let hostAt160x48 = #"""
 Parlor · Friday tea 🫖 — Zürich                                                                                            LIVE   E2E 01234 56789 00042 99999
┌─ Stage (5) ──────────────────────────────────────────────────────────────────────────┐┌─ Raised hands (2) ───────────────────────────────────────────────────┐
│ ◉ Hostname Zoë (you)  host  ▮▮▮                                                      ││▸1. ✋ Curious                                                        │
│ ○ Mod Marta  moderator                                                               ││ 2. ✋ Quincy                                                         │
│ ◉ Radio Ada  ▮▮▮▮                                                                    ││ Enter on a hand to invite or dismiss                                 │
│ × ルーム Kenji  muted                                                                │└──────────────────────────────────────────────────────────────────────┘
│ ○ Bo                                                                                 │┌─ Audience (5) ───────────────────────────────────────────────────────┐
│                                                                                      ││ Quincy                                                               │
│                                                                                      ││▸Curious                                                              │
│                                                                                      ││ 3 listeners not named                                                │
│                                                                                      │└──────────────────────────────────────────────────────────────────────┘
│                                                                                      │┌─ Events ─────────────────────────────────────────────────────────────┐
│                                                                                      ││ Quincy raised a hand                                                 │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
└──────────────────────────────────────────────────────────────────────────────────────┘└──────────────────────────────────────────────────────────────────────┘
┌─ Chat ───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┐
│ No messages yet; c writes                                                                                                                                    │
└──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
 Quincy raised a hand
 h hand  m mute  Enter act  i invite  c chat  / command  ? help  q leave
 RTT 23 ms  loss 1.3 %  jitter 60 ms  UDP  mic █████░░░░░ -30 dB  AEC NS AGC
"""#

    static let listenerAt80x24 = #"""
 Parlor · Friday tea 🫖 — Z  LISTENING · HAND UP   E2E 01234 56789 00042 99999
 ! No sound card: the room works, but you hear and say nothing
┌─ Stage (5) ──────────────────────────────────────────────────────────────────┐
│▸○ Hostname Zoë  host                                                         │
│ ○ Mod Marta  moderator                                                       │
│ ◉ Radio Ada  ▮▮▮▮▮                                                           │
│ × ルーム Kenji  muted                                                        │
│ ○ Bo                                                                         │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
└──────────────────────────────────────────────────────────────────────────────┘
┌─ Audience ───────────────────────────────────────────────────────────────────┐
│ Quincy (you)  ✋ hand up                                                     │
│ Only moderators see who else listens                                         │
└──────────────────────────────────────────────────────────────────────────────┘
┌─ Chat ───────────────────────────────────────────────────────────────────────┐
│ No messages yet; c writes                                                    │
└──────────────────────────────────────────────────────────────────────────────┘
 Your hand is up; h lowers it
 h hand  Enter act  i invite  c chat  / command  ? help  q leave
 RTT 41 ms  loss 0.0 %  jitter 40 ms  TCP  mic ░░░░░░░░░░ -96 dB
"""#

    static let listenerAt160x48 = #"""
 Parlor · Friday tea 🫖 — Zürich                                                                             LISTENING · HAND UP   E2E 01234 56789 00042 99999
 ! No sound card: the room works, but you hear and say nothing
┌─ Stage (5) ──────────────────────────────────────────────────────────────────────────┐┌─ Audience ───────────────────────────────────────────────────────────┐
│▸○ Hostname Zoë  host                                                                 ││ Quincy (you)  ✋ hand up                                             │
│ ○ Mod Marta  moderator                                                               ││ Only moderators see who else listens                                 │
│ ◉ Radio Ada  ▮▮▮▮▮                                                                   │└──────────────────────────────────────────────────────────────────────┘
│ × ルーム Kenji  muted                                                                │┌─ Events ─────────────────────────────────────────────────────────────┐
│ ○ Bo                                                                                 ││ Your hand is up; h lowers it                                         │
│                                                                                      ││ You joined Friday tea 🫖 — Zürich                                    │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
│                                                                                      ││                                                                      │
└──────────────────────────────────────────────────────────────────────────────────────┘└──────────────────────────────────────────────────────────────────────┘
┌─ Chat ───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┐
│ No messages yet; c writes                                                                                                                                    │
└──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
 Your hand is up; h lowers it
 h hand  Enter act  i invite  c chat  / command  ? help  q leave
 RTT 41 ms  loss 0.0 %  jitter 40 ms  TCP  mic ░░░░░░░░░░ -96 dB
"""#
}
