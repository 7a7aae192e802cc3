import ParlorClient
import ParlorCrypto
@testable import ParlorTUI

/// A room as render and update tests use it: a host (this client), a moderator, three speakers
/// (one talking, one muted, one with a wide name), two raised hands and an audience of five, two
/// of whom agreed to be named.
enum RoomFixture {
    static func id(_ n: UInt8) -> MemberID { MemberID(key: [UInt8](repeating: n, count: 32)) }

    static let host = id(1), moderator = id(2), ada = id(3), kenji = id(4), bo = id(5)
    static let quincy = id(6), curious = id(7), unnamed = [id(8), id(9), id(10)]

    static let people: [RoomPerson] = [
        RoomPerson(id: host, name: "Hostname Zoë", role: .host),
        RoomPerson(id: moderator, name: "Mod Marta", role: .moderator),
        RoomPerson(id: ada, name: "Radio Ada", role: .speaker),
        RoomPerson(id: kenji, name: "ルーム Kenji", role: .speaker, muted: true),
        RoomPerson(id: bo, name: "Bo", role: .speaker),
        RoomPerson(id: quincy, name: "Quincy", role: .listener, handRaised: true, listed: true),
        RoomPerson(id: curious, name: "Curious", role: .listener, handRaised: true, listed: true),
    ] + unnamed.map { RoomPerson(id: $0, name: nil, role: .listener) }

    static func snapshot(me: MemberID = host, people: [RoomPerson] = people) -> RoomSnapshot {
        RoomSnapshot(title: "Friday tea 🫖 — Zürich", safetyCode: "01234 56789 00042 99999", me: me, people: people,
                     hands: [curious, quincy].filter { id in people.contains { $0.id == id } })
    }

    /// The host's screen with Ada talking, some network figures and a few events.
    static func hostScreen() -> RoomScreen {
        var screen = RoomScreen(room: snapshot(), links: RoomLinks(listen: "parlor://127.0.0.1:7700/#AQlisten", speak: "parlor://127.0.0.1:7700/#AQspeak"))
        let room = snapshot()
        _ = screen.update(event: .room(.speakingStarted(MemberInfo(id: ada, name: "Radio Ada", role: .speaker)), room))
        _ = screen.update(event: .room(.handRaised(MemberInfo(id: quincy, name: "Quincy", role: .listener)), room))
        _ = screen.update(event: .quality(LinkQuality(roundTripMilliseconds: 23.4, lossPercent: 1.25, jitterMilliseconds: 60,
                                                      udp: true, levels: [ada: -18], microphone: -30)))
        return screen
    }
}

extension RoomFixture {
    /// Quincy's screen: a listener with a hand up, who sees the stage and itself; Ada talking loudly.
    static func listenerScreen() -> RoomScreen {
        let room = snapshot(me: quincy, people: people.filter { $0.isOnStage || $0.id == quincy })
        var screen = RoomScreen(room: room, links: RoomLinks(listen: "parlor://127.0.0.1:7700/#AQlisten"))
        _ = screen.update(event: .notice("No sound card: the room works, but you hear and say nothing"))
        _ = screen.update(event: .room(.joined(title: room.title, you: MemberInfo(id: quincy, name: "Quincy", role: .listener),
                                               members: [], safetyCode: room.safetyCode!), room))
        _ = screen.update(event: .room(.speakingStarted(MemberInfo(id: ada, name: "Radio Ada", role: .speaker)), room))
        _ = screen.update(event: .room(.handRaised(MemberInfo(id: quincy, name: "Quincy", role: .listener)), room))
        _ = screen.update(event: .quality(LinkQuality(roundTripMilliseconds: 41, lossPercent: 0, jitterMilliseconds: 40,
                                                      udp: false, levels: [ada: -2])))
        return screen
    }
}
