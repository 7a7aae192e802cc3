import ArgumentParser
import ParlorApp
import ParlorAudio

/// `--name`, which every face takes.
struct NameOption: ParsableArguments {
    @Option(help: "Your display name, sealed so only the room can read it.")
    var name: String?
}

/// `--events`, which `host`, `join` and `listen` take.
struct EventsOption: ParsableArguments {
    @Option(help: "Write the room's events to this file as JSON lines (headless: instead of stdout; '-' is stdout).")
    var events: String?
}

/// The capture chain's switches, which the faces that capture a microphone (`host`, `join`)
/// take; each turns one part off (config.toml's `echo_cancel`, `noise_suppression`, `agc` too).
struct CaptureOptions: ParsableArguments {
    @Flag(help: "Do not cancel the echo of what the speakers play from the microphone.")
    var noEchoCancel = false

    @Flag(help: "Do not suppress noise on the microphone.")
    var noNoiseSuppression = false

    @Flag(help: "Do not adjust the microphone's level automatically.")
    var noAgc = false

    /// The parts the command line leaves on.
    var settings: CaptureProcessor.Settings {
        CaptureProcessor.Settings(echoCancellation: !noEchoCancel, noiseSuppression: !noNoiseSuppression, automaticGain: !noAgc)
    }
}

/// The room screen's options, which `host` and `join` take; their defaults are the terminal
/// face's own (`TerminalFaces.Options`).
struct ScreenOptions: ParsableArguments {
    @Option(help: "Colour theme: a name from Themes/ or $XDG_CONFIG_HOME/parlor/themes/.")
    var theme = TerminalFaces.Options.defaultTheme

    @Option(help: "The ALSA device for the microphone and speakers (see parlor devices).")
    var device = TerminalFaces.Options.defaultDevice

    @OptionGroup var capture: CaptureOptions

    /// The terminal face's options with these and the shared ones filled in.
    func options(name: NameOption, events: EventsOption, listed: Bool) -> TerminalFaces.Options {
        var options = TerminalFaces.Options()
        options.name = name.name
        options.listed = listed
        options.theme = theme
        options.events = events.events
        options.device = device
        options.capture = capture.settings
        return options
    }
}
