import Foundation
import ParlorTUI

/// The rooms the hallway offers again: `$XDG_DATA_HOME/parlor/rooms.json` (by default
/// `~/.local/share/parlor/rooms.json`), newest first, readable by its owner only (each link is a
/// room's secret). It is data Parlor keeps, not configuration, hence the data folder.
struct SavedRoomStore: Sendable {
    /// Rooms kept; older ones are forgotten.
    static let capacity = 20
    /// Owner read and write only.
    static let fileMode: Int16 = 0o600

    let path: String

    /// The store of the user in `environment`.
    static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> SavedRoomStore {
        let folder = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? "") + "/.local/share")
        return SavedRoomStore(path: folder + "/parlor/rooms.json")
    }

    /// The saved rooms; none when the file is missing or unreadable.
    func load() -> [SavedRoom] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode([SavedRoom].self, from: data)) ?? []
    }

    /// Puts `room` first (replacing an entry with the same link) and writes the file.
    func remember(_ room: SavedRoom) throws {
        try save([room] + load().filter { $0.link != room.link })
    }

    /// Drops the room with `link`.
    func forget(link: String) throws {
        try save(load().filter { $0.link != link })
    }

    /// Applies what a visit by `link` found to the saved room with that link (a link not saved
    /// stays unsaved: a failed visit adds nothing).
    func record(_ verdict: SavedRoomMark.Verdict, link: String) throws {
        let rooms = load()
        guard rooms.contains(where: { $0.link == link }) else { return }
        switch verdict {
        case .unchanged: return
        case .clear: try save(rooms.map { $0.link == link ? SavedRoom(title: $0.title, link: $0.link) : $0 })
        case .mark(let mark): try save(rooms.map { $0.link == link ? SavedRoom(title: $0.title, link: $0.link, mark: mark) : $0 })
        }
    }

    private func save(_ rooms: [SavedRoom]) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(Array(rooms.prefix(Self.capacity)))
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: Self.fileMode]) else {
            throw FaceError("cannot write \(path)", status: .ioError)
        }
    }
}
