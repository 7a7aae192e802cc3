import Foundation
import Glibc
import ParlorAudio
import ParlorClient
import ParlorTUI

/// One stay in a room on the terminal: the sound card (or silent devices and a notice), a room
/// client whose events are posted into the `RoomScreen` program with a snapshot of the room, a
/// few status samples a second, and curses for drawing and keys. Everything the terminal needs is
/// checked in `init`, before the screen is taken over, so mistakes print as plain errors.
final class TerminalRoom: Sendable {
    /// The ALSA device opened unless `--device` names another.
    static let defaultDevice = "default"
    /// How often the status line's figures are sampled.
    static let qualityIntervalMilliseconds = 200

    let options: TerminalFaces.Options
    let theme: Theme
    let keymap: Keymap
    let faceSettings: FaceSettings
    let events: EventWriter?

    init(options: TerminalFaces.Options) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw FaceError("the room screen needs a terminal; for scripts use --headless, `parlor listen` or `parlor speak`")
        }
        if options.events == "-" || options.events == "" {
            throw FaceError("--events needs a file: the screen uses stdout")
        }
        theme = try ThemeLibrary.standard().load(options.theme)
        keymap = try Keymap.load()
        faceSettings = try FaceSettings.load()
        events = try options.events.map { try EventWriter(target: $0) }
        self.options = options
    }

    /// Takes over the terminal with the chosen theme, in the colours it has (none under `NO_COLOR`).
    func takeTerminal() -> CursesScreen {
        let capabilities = TerminalCapabilities.detect()
        return CursesScreen(theme: theme, depth: ColorDepth(colors: capabilities.colors, noColor: capabilities.noColorRequested))
    }

    /// Runs the room screen until the person leaves or the stay ends; the exit code (see `RoomExit`).
    /// A member's room is remembered for the hallway once joined. `terminal` is one already taken
    /// (by the hallway); otherwise the room takes it. `whenJoined` runs once, when this client is in.
    func run(_ identity: RoomIdentity, links: RoomLinks?, on terminal: CursesScreen? = nil,
             whenJoined: (@Sendable () -> Void)? = nil) -> Result<Int32, Error> {
        let settings = OpusSettings()
        let capture = options.capture.restricted(by: faceSettings.capture)
        // The microphone opens when this member goes on stage (`Microphone`); a listener never
        // touches it.
        let playback = AudioDevices.open(name: options.device, direction: .playback, frameSamples: settings.periodSamples)
        let engine = AudioEngine(capture: NullAudioDevice(direction: .capture), playback: playback.device, frameSamples: settings.periodSamples)
        let runner = TerminalRunner<RoomScreen>()
        if let reason = playback.fallbackReason {
            for notice in [Self.noSpeakers, reason] { runner.post(.notice(notice)) }
        }
        let microphone = Microphone(deviceName: options.device, engine: engine) { reason in
            for notice in [Self.noMicrophone, reason] { runner.post(.notice(notice)) }
        }
        do {
            try engine.start()
        } catch {
            runner.post(.notice("The audio thread did not start: \(error)"))
        }
        if let warning = engine.realtimeWarning { runner.post(.notice(warning)) }

        let feed = RoomFeed(runner: runner)
        let visit = VisitErrors()
        let client: RoomClient
        do {
            var configuration = RoomClient.Configuration()
            configuration.capture = capture
            client = try RoomClient(identity: identity, media: MediaIO(engine: engine, microphone: microphone),
                                    configuration: configuration) { [events] event in
                events?.write(event)
                visit.observe(event)
                feed.forward(event)
                if case .joined = event { whenJoined?() }
            }
        } catch {
            engine.stop()
            return .failure(error)
        }
        feed.start(client: client, engine: engine, intervalMilliseconds: Self.qualityIntervalMilliseconds)
        let signals = ProcessSignals.subscribe { _, count in if count == 1 { runner.post(.interrupted) } else { ProcessSignals.endNow() } }
        client.start()

        let terminal = terminal ?? takeTerminal()
        var screen = RoomScreen(keymap: keymap, links: links)
        screen.bell = faceSettings.bell
        screen.capture = capture
        let final = runner.run(screen, on: terminal) { effect in
            switch effect {
            case .perform(let command): client.perform(command)
            case let .setVolume(member, gain): client.setVolume(gain, for: member)
            case .terminal(let request): terminal.send(request)
            }
        }
        terminal.stop()
        signals.cancel()
        feed.stop()
        client.stop()
        engine.stop()
        let exit = client.wait()
        if final.hasJoined, !identity.isHost {
            try? SavedRoomStore.standard().remember(SavedRoom(title: final.room.title ?? Hallway.defaultTitle, link: identity.link.text))
        } else if !identity.isHost {
            try? SavedRoomStore.standard().record(SavedRoomMark.after(joined: false, errorCodes: visit.all, exit: exit), link: identity.link.text)
        }
        if case .failed(let why) = exit { FileHandle.standardError.write(Data("parlor: \(why)\n".utf8)) }
        return .success(exit.exitCode)
    }

    /// What to tell the person when the playback device could not be opened (the reason follows).
    static let noSpeakers = "No speakers: you can speak, but hear nothing"
    /// What to tell a member on stage whose capture device could not be opened.
    static let noMicrophone = "No microphone: you are on stage, but the room hears nothing from you"
}
