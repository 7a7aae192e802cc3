import ParlorClient
import ParlorCrypto

/// The headless form of the room client's events (docs/HEADLESS.md §Events).
extension RoomEvent {
    /// The event as one JSON object, `"event"` first, then `"time"` (milliseconds since the Unix epoch).
    public func jsonLine(timeMilliseconds: Int) -> JSONLine {
        var line = JSONLine([("event", .string(name)), ("time", .int(timeMilliseconds))])
        switch self {
        case let .roomCreated(title, listen, speak, code):
            line.append("title", .string(title))
            line.append("listen_link", .string(listen))
            line.append("speak_link", .string(speak))
            line.append("safety_code", .string(code))
        case let .joined(title, you, members, code):
            line.append("title", title.map { .string($0) } ?? .null)
            line.append("you", you.json)
            line.append("members", .array(members.map(\.json)))
            line.append("safety_code", .string(code))
        case let .memberJoined(m), let .memberLeft(m), let .speakerAdded(m), let .speakerRemoved(m), let .roleChanged(m),
             let .speakingStarted(m), let .speakingStopped(m), let .handRaised(m), let .handLowered(m),
             let .audioForged(m), let .audioUnverified(m):
            line.append("member", m.json)
        case let .invitedToStage(by, role):
            line.append("by", by.json)
            line.append("role", .string(role.name))
        case let .muted(m, _, byModerator):
            line.append("member", m.json)
            line.append("by_moderator", .bool(byModerator))
        case let .removed(banned):
            line.append("banned", .bool(banned))
        case let .roomEnded(reason):
            line.append("reason", .string(reason))
        case let .reconnecting(attempt, delay):
            line.append("attempt", .int(attempt))
            line.append("delay_seconds", .double(delay))
        case .reconnected:
            break
        case let .rekeyed(epoch, code):
            line.append("epoch", .int(Int(epoch)))
            line.append("safety_code", .string(code))
        case let .refused(what, reason):
            line.append("what", .string(what))
            line.append("reason", .string(reason))
        case let .linksChanged(listen, speak):
            line.append("listen_link", .string(listen))
            line.append("speak_link", .string(speak))
        case let .error(code, message):
            line.append("code", .string(code))
            line.append("message", .string(message))
        case .chat(let event):
            event.append(to: &line)
        }
        return line
    }
}

extension MemberInfo {
    /// `{"id": …, "name": …, "role": …}`.
    var json: JSONLine.Value {
        .object(JSONLine([("id", .string(id.text)), ("name", name.map { .string($0) } ?? .null), ("role", .string(role.name))]))
    }
}
