import ArgumentParser
import ParlorApp

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

/// The room screen's options, which `host` and `join` take; their defaults are the terminal
/// face's own (`TerminalFaces.Options`).
struct ScreenOptions: ParsableArguments {
    @Option(help: "Colour theme: a name from Themes/ or $XDG_CONFIG_HOME/parlor/themes/.")
    var theme = TerminalFaces.Options.defaultTheme

    @Option(help: "The ALSA device for the microphone and speakers (see parlor devices).")
    var device = TerminalFaces.Options.defaultDevice

    /// The terminal face's options with these and the shared ones filled in.
    func options(name: NameOption, events: EventsOption, listed: Bool) -> TerminalFaces.Options {
        var options = TerminalFaces.Options()
        options.name = name.name
        options.listed = listed
        options.theme = theme
        options.events = events.events
        options.device = device
        return options
    }
}
