import ArgumentParser
import ParlorApp

extension Parlor {
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the name of each key you press, as keymap.toml spells it.",
            discussion: """
                Opens a small screen; every key pressed shows its name (j, é, up, enter, ctrl-a, \
                f5, …), the spelling to use in $XDG_CONFIG_HOME/parlor/keymap.toml. q quits.

                Example:
                  parlor keys --theme high-contrast
                """)

        @Option(help: "Colour theme: a name from Themes/ or $XDG_CONFIG_HOME/parlor/themes/.")
        var theme = "default-dark"

        func run() throws {
            try KeyNames.run(themeName: theme)
        }
    }
}
