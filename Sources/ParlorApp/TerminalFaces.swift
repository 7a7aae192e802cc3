import Foundation
import Glibc
import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorTUI

/// The terminal faces: `parlor host` and `parlor join LINK`. Each makes its `RoomIdentity`, then
/// `TerminalRoom` runs the room screen over a room client with the sound card (or, without one,
/// silent devices and a notice saying so).
public enum TerminalFaces {
    /// What both faces take from the command line.
    public struct Options: Sendable {
        /// Your display name, sealed so only the room reads it.
        public var name: String?
        /// Agree to be named in the audience (members); list the room in the relay's directory (host).
        public var listed = false
        public var theme = Self.defaultTheme
        /// A file for the room's events as JSON lines (the screen owns stdout).
        public var events: String?
        /// The ALSA device to capture from and play to.
        public var device = Self.defaultDevice
        /// Host only: bring in `DemoGuests` speaking this WAV file (what `make demo` does).
        public var demoSpeech: String?
        /// The capture chain's parts the command line leaves on (`--no-echo-cancel`, …);
        /// config.toml may turn more off.
        public var capture = CaptureProcessor.Settings()
        public init() {}

        /// The theme when none is named: the built-in one.
        public static var defaultTheme: String { ThemeLibrary.defaultThemeName }
        /// The device when none is named: ALSA's default.
        public static var defaultDevice: String { TerminalRoom.defaultDevice }
    }

    /// `parlor host`: with no server, a relay starts in this process on loopback.
    public static func host(server: String?, relayKey: String?, title: String, options: Options) async throws -> Int32 {
        try await host(server: server, relayKey: relayKey, title: title, room: try TerminalRoom(options: options), terminal: nil)
    }

    private static func host(server: String?, relayKey: String?, title: String, room: TerminalRoom,
                             terminal: CursesScreen?) async throws -> Int32 {
        let new = try await NewRoom.make(server: server, relayKey: relayKey, title: title, name: room.options.name,
                                         listed: room.options.listed)
        let (hosted, identity) = (new.hosted, new.identity)
        room.events?.write(new.created)
        let links = RoomLinks(listen: hosted.listenLink.text, speak: hosted.speakLink.text)
        let handoff = TerminalHandoff(terminal: terminal)
        let guests = try room.options.demoSpeech.map { try DemoGuests(listenLink: hosted.listenLink, speakLink: hosted.speakLink, speech: $0) }
        let code = await Task.detached { room.run(identity, links: links, on: handoff.terminal) { guests?.start() } }.value
        guests?.stop()
        await new.relay.embedded?.stop()
        return try code.get()
    }

    /// `parlor join LINK`: the room as a member (with a speak link, straight onto the stage).
    public static func join(link text: String, options: Options) throws -> Int32 {
        try join(link: text, room: try TerminalRoom(options: options), terminal: nil)
    }

    /// `parlor join` without a link: the hallway, then the room chosen there (joined, or hosted
    /// on a relay in this process). Leaving the hallway without a choice exits 0.
    /// With `server`, the hallway also lists the rooms that relay lists publicly.
    public static func hallway(options: Options, server: String? = nil, relayKey: String? = nil) async throws -> Int32 {
        var listed: [PublicRoom] = []
        if let server {
            let relay = try await RelayChoice.resolve(server: server, relayKey: relayKey)
            do {
                listed = try RelayDirectory.fetch(relay: relay.address, relayKey: relay.publicKey)
            } catch {
                throw FaceError("--server \(server): cannot read the relay's public rooms: \(error)", status: .unavailable)
            }
        }
        let room = try TerminalRoom(options: options)
        let terminal = room.takeTerminal()
        let store = SavedRoomStore.standard()
        let saved = store.load()
        let start = Hallway(keymap: room.keymap, saved: saved, listed: listed, directoryRelay: server)
        let runner = TerminalRunner<Hallway>()
        RelayProbes.start(saved) { runner.post($0) }
        let hallway = runner.run(start, on: terminal) { effect in
            switch effect {
            case .forget(let forgotten): try? store.forget(link: forgotten.link)
            }
        }
        do {
            switch hallway.choice {
            case nil:
                terminal.stop()
                return 0
            case .host(let title)?:
                return try await host(server: nil, relayKey: nil, title: title, room: room, terminal: terminal)
            case .join(let link)?:
                return try join(link: link, room: room, terminal: terminal)
            }
        } catch {
            // Give the terminal back before the error is printed.
            terminal.stop()
            throw error
        }
    }

    private static func join(link text: String, room: TerminalRoom, terminal: CursesScreen?) throws -> Int32 {
        let link = try HeadlessFaces.parseLink(text)
        let identity = try RoomIdentity(link: link, name: room.options.name, listed: room.options.listed)
        // Members hand on a listen link only; whoever came by a speak link has none to give.
        return try room.run(identity, links: link.role == .listener ? RoomLinks(listen: link.text) : nil, on: terminal).get()
    }
}

/// Moves a terminal the hallway has finished with to the thread the room runs on; one thread
/// uses it at a time, which is what makes the handoff safe.
private struct TerminalHandoff: @unchecked Sendable {
    let terminal: CursesScreen?
}
