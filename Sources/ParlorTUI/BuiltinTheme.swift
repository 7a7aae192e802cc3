/// The default theme, compiled in so a lone binary still has it. It is the text of
/// `Themes/default-dark.toml`; a test keeps the two identical.
enum BuiltinTheme {
    static let name = "default-dark"
    static let text = #"""
# Parlor's default theme: warm accents on the terminal's own (dark) background.
name = "default-dark"
description = "Warm accents on a dark terminal."

[groups]
normal = {}
title = { fg = "#ffd787", bold = true }
border = { fg = "#5f87af" }
dim = { fg = "#808080", mono = ["dim"] }
selected = { fg = "#000000", bg = "#87afd7", mono = ["reverse"] }
badge-live = { fg = "#000000", bg = "#ff5f5f", bold = true, mono = ["reverse"] }
badge-muted = { fg = "#000000", bg = "#d7af5f", mono = ["reverse"] }
badge-listening = { fg = "#000000", bg = "#87af87", mono = ["reverse"] }
badge-secure = { fg = "#87d787", bold = true }
host = { fg = "#ffaf5f", bold = true }
moderator = { fg = "#d7afff", bold = true }
speaker = { fg = "#ffffff" }
talking = { fg = "#87ff87", bold = true, mono = ["underline"] }
muted = { fg = "#af5f5f", mono = ["dim"] }
hand = { fg = "#ffd75f", bold = true }
audience = { fg = "#bcbcbc" }
event = { fg = "#87afd7" }
status = { fg = "#a8a8a8" }
meter = { fg = "#5faf5f" }
meter-peak = { fg = "#ff5f5f", bold = true }
error = { fg = "#ff5f5f", bold = true }
help = { fg = "#e4e4e4" }
command = { fg = "#ffffff", bold = true }

"""#
}
