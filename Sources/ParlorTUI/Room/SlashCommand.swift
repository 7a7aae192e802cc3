import ParlorProtocol

/// A command typed on the `/` command line: one about oneself or the screen, or a moderator's
/// action under the moderation table's `slashCommand` name. Commands that act on a person take a
/// name (or the start of one, or a member id) as the rest of the line; `volume` takes a name and a
/// percentage.
public enum SlashCommand: Sendable, Equatable {
    case hand, lower, mute, unmute, accept, volume, links, help, leave
    case moderate(ModerationAction)

    /// Every command, in the order the help lists them.
    public static let all: [SlashCommand] = [.hand, .lower, .mute, .unmute, .accept]
        + ModerationAction.allCases.map(SlashCommand.moderate) + [.volume, .links, .help, .leave]

    /// What the command expects after its name.
    public enum Argument: Sendable { case none, person, personAndPercent }

    /// The command by its name, or nil.
    public init?(name: String) {
        guard let command = Self.all.first(where: { $0.name == name }) else { return nil }
        self = command
    }

    /// What is typed after the `/`.
    public var name: String {
        switch self {
        case .hand: return "hand"
        case .lower: return "lower"
        case .mute: return "mute"
        case .unmute: return "unmute"
        case .accept: return "accept"
        case .volume: return "volume"
        case .links: return "links"
        case .help: return "help"
        case .leave: return "leave"
        case .moderate(let action): return action.rule.slashCommand
        }
    }

    public var argument: Argument {
        switch self {
        case .hand, .lower, .mute, .unmute, .accept, .links, .help, .leave: return .none
        case .volume: return .personAndPercent
        case .moderate(let action):
            switch action.rule.whom {
            case .room: return .none
            case .member: return .person
            }
        }
    }

    /// One line for the help overlay.
    public var summary: String {
        switch self {
        case .hand: return "raise your hand"
        case .lower: return "lower your hand"
        case .mute: return "mute yourself"
        case .unmute: return "unmute yourself"
        case .accept: return "accept a moderator's invitation to the stage"
        case .volume: return "NAME PERCENT: a speaker's volume, 0 to 200"
        case .links: return "show the invite links"
        case .help: return "show the help"
        case .leave: return "leave the room"
        case .moderate(let action):
            return (argument == .person ? "NAME: " : "") + action.phrase + " (moderators)"
        }
    }
}
