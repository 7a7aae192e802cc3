/// A command typed on the `/` command line. Commands that act on a person take a name (or the
/// start of one, or a member id) as the rest of the line; `volume` takes a name and a percentage.
public enum SlashCommand: String, CaseIterable, Sendable {
    case hand, lower, mute, unmute, accept, invite, dismiss, audience, moderator, silence, remove, ban, volume, end, links, help, leave

    /// What the command expects after its name.
    public enum Argument: Sendable { case none, person, personAndPercent }

    public var argument: Argument {
        switch self {
        case .invite, .dismiss, .audience, .moderator, .silence, .remove, .ban: return .person
        case .volume: return .personAndPercent
        default: return .none
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
        case .invite: return "NAME: invite to the stage (moderators)"
        case .dismiss: return "NAME: dismiss a raised hand"
        case .audience: return "NAME: move a speaker to the audience"
        case .moderator: return "NAME: make a moderator"
        case .silence: return "NAME: mute a speaker"
        case .remove: return "NAME: remove from the room"
        case .ban: return "NAME: ban from the room"
        case .volume: return "NAME PERCENT: a speaker's volume, 0 to 200"
        case .end: return "end the room for everyone"
        case .links: return "show the invite links"
        case .help: return "show the help"
        case .leave: return "leave the room"
        }
    }
}
