import ParlorCrypto

/// Everything a room client reports, in the order it happens. The terminal face and the headless
/// faces consume the same events; `RoomEvent.jsonLine` (ParlorApp/Headless) is the headless form
/// (docs/HEADLESS.md).
public enum RoomEvent: Sendable, Equatable {
    /// The room exists (host only): the links to hand out.
    case roomCreated(title: String, listenLink: String, speakLink: String, safetyCode: String)
    /// This client is in the room.
    case joined(title: String?, you: MemberInfo, members: [MemberInfo], safetyCode: String)
    case memberJoined(MemberInfo)
    case memberLeft(MemberInfo)
    /// Someone came on stage (invited, or granted a role with a stage).
    case speakerAdded(MemberInfo)
    /// Someone left the stage (moved to the audience, or left the room).
    case speakerRemoved(MemberInfo)
    case roleChanged(MemberInfo)
    case speakingStarted(MemberInfo)
    case speakingStopped(MemberInfo)
    case handRaised(MemberInfo)
    case handLowered(MemberInfo)
    /// A moderator invited this client on stage (as `role`); `accept_invite` accepts.
    case invitedToStage(by: MemberInfo, role: Role)
    /// A speaker was muted (`byModerator` when someone else did it) or unmuted.
    case muted(MemberInfo, muted: Bool, byModerator: Bool)
    /// This client was removed (or banned) by a moderator.
    case removed(banned: Bool)
    /// The room is over (a moderator ended it, or the relay is closing for good).
    case roomEnded(reason: String)
    /// The connection dropped; the client tries again after `delaySeconds`.
    case reconnecting(attempt: Int, delaySeconds: Double)
    /// Back in the room after a reconnect, with the role restored.
    case reconnected
    /// The room moved to a new key epoch (after a removal or ban).
    case rekeyed(epoch: UInt64, safetyCode: String)
    /// Something from the relay was refused because the room's authority did not vouch for it or
    /// it broke the room's rules (`what`: epoch_key, member, charter, joined); the room goes on.
    case refused(what: String, reason: String)
    /// Audio under this member's name failed its signature (someone forged it, with the relay's
    /// help): it is withheld until the member's own signed audio verifies again.
    case audioForged(MemberInfo)
    /// This member's audio has gone 5 s without a signature that could be checked (heavy loss, or
    /// a relay dropping what would show a forgery); it still plays.
    case audioUnverified(MemberInfo)
    /// The host replaced a link (after a ban): these are the links to hand out from now on.
    case linksChanged(listenLink: String, speakLink: String)
    case error(code: String, message: String)
    /// Chat and reactions (RoomSession+Chat.swift).
    case chat(ChatEvent)

    /// The event's name: `"event"` in its JSON line (docs/HEADLESS.md), and what tests look for.
    public var name: String {
        switch self {
        case .roomCreated: return "room_created"
        case .joined: return "joined"
        case .memberJoined: return "member_joined"
        case .memberLeft: return "member_left"
        case .speakerAdded: return "speaker_added"
        case .speakerRemoved: return "speaker_removed"
        case .roleChanged: return "role_changed"
        case .speakingStarted: return "speaking_started"
        case .speakingStopped: return "speaking_stopped"
        case .handRaised: return "hand_raised"
        case .handLowered: return "hand_lowered"
        case .invitedToStage: return "invited_to_stage"
        case .muted(_, let muted, _): return muted ? "muted" : "unmuted"
        case .removed: return "removed"
        case .roomEnded: return "room_ended"
        case .reconnecting: return "reconnecting"
        case .reconnected: return "reconnected"
        case .rekeyed: return "rekeyed"
        case .refused: return "refused"
        case .audioForged: return "audio_forged"
        case .audioUnverified: return "audio_unverified"
        case .linksChanged: return "links_changed"
        case .error: return "error"
        case .chat(let event): return event.name
        }
    }
}
