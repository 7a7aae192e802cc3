import NIOCore
import ParlorProtocol

/// Rule-changing requests (`RoomRules.Request.changesRules`) held, in the order they came, while
/// their room's rules wait — in a cluster, while the room's authority is renewing its lease
/// through a NATS outage (`RelayCluster.mayChangeRules`). `RelayCore` carries them out in that
/// order once the rules may change again, so a key delivery is never applied before the grant or
/// moderation it follows.
///
/// The relay faces adversaries, so the hold is bounded: `maxPerSession` requests a session (one
/// room at a time: a session is in one room), `maxPerRoom` a room and `maxHeld` in all. A request
/// beyond a bound is not held; the caller refuses it as rate-limited.
struct RuleChangeHold {
    /// One held request.
    struct Held {
        let session: SessionID
        let request: RoomRules.Request
        /// The message as received, for the refusal's `in_reply_to`.
        let message: ControlMessage
        /// When it is refused if its room's rules still wait.
        let deadline: NIODeadline
    }

    /// A host's burst during an outage — a ban, a promotion, the key delivery after each — fits
    /// well within 8; a member flooding the hold is refused past them.
    static let maxPerSession = 8
    /// Newcomers' joins and the moderators' changes of one room.
    static let maxPerRoom = 256
    /// At most 4,096 control messages of at most 16 KiB each: 64 MiB across every room at worst.
    static let maxHeld = 4_096

    private var rooms: [OpaqueKey: CircularBuffer<Held>] = [:]
    /// Each holding session's room and how many requests it has held there.
    private var sessions: [SessionID: (room: OpaqueKey, count: Int)] = [:]
    /// Requests held in all rooms.
    private(set) var count = 0

    /// Whether any request waits for `room`.
    func isHolding(_ room: OpaqueKey) -> Bool { rooms[room] != nil }

    /// Whether `session` already holds `message` — a resend of it (another node resends a join
    /// and its `create_room` until answered).
    func holds(_ message: ControlMessage, from session: SessionID) -> Bool {
        guard let room = sessions[session]?.room else { return false }
        return rooms[room]!.contains { $0.session == session && $0.message == message }
    }

    /// The first request waiting for `room`.
    func first(in room: OpaqueKey) -> Held? { rooms[room]?.first }

    /// Holds `held` behind `room`'s earlier requests; false, holding nothing, when a bound is
    /// reached (or the session already holds requests for another room).
    mutating func hold(_ held: Held, in room: OpaqueKey) -> Bool {
        let session = sessions[held.session]
        guard count < Self.maxHeld, rooms[room, default: []].count < Self.maxPerRoom,
              session.map({ $0.room == room && $0.count < Self.maxPerSession }) ?? true else {
            return false
        }
        rooms[room, default: []].append(held)
        sessions[held.session] = (room, (session?.count ?? 0) + 1)
        count += 1
        return true
    }

    /// Takes `room`'s first request off the hold.
    mutating func removeFirst(in room: OpaqueKey) -> Held? {
        guard let held = rooms[room]?.popFirst() else { return nil }
        if rooms[room]!.isEmpty { rooms[room] = nil }
        forget(1, of: held.session)
        return held
    }

    /// Takes every request waiting for `room` off the hold, in order.
    mutating func removeAll(in room: OpaqueKey) -> [Held] {
        let all = Array(rooms.removeValue(forKey: room) ?? [])
        for held in all { forget(1, of: held.session) }
        return all
    }

    /// Lets go of what `session` holds (it closed or left its room).
    mutating func drop(session: SessionID) {
        guard let (room, held) = sessions.removeValue(forKey: session) else { return }
        count -= held
        let kept = rooms[room]!.filter { $0.session != session }
        rooms[room] = kept.isEmpty ? nil : CircularBuffer(kept)
    }

    private mutating func forget(_ n: Int, of session: SessionID) {
        count -= n
        guard let (room, held) = sessions[session] else { return }
        sessions[session] = held > n ? (room, held - n) : nil
    }
}
