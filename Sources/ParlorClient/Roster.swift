/// The members this client can see, in the order they joined, and the raised hands in the order
/// they were raised. A listener sees the stage and itself; a moderator sees everyone
/// (docs/PROTOCOL.md §4.4).
public struct Roster: Sendable, Equatable {
    public private(set) var order: [MemberID] = []
    public private(set) var members: [MemberID: Participant] = [:]
    /// Raised hands, oldest first.
    public private(set) var hands: [MemberID] = []

    public init() {}

    public subscript(id: MemberID) -> Participant? { members[id] }

    public func participant(key: [UInt8]) -> Participant? { members[MemberID(key: key)] }

    /// Everyone in join order.
    public var all: [Participant] { order.compactMap { members[$0] } }
    public var stage: [Participant] { all.filter(\.isOnStage) }
    public var audience: [Participant] { all.filter { !$0.isOnStage } }

    /// Adds or replaces a member; true when it was not in the roster before.
    @discardableResult
    public mutating func upsert(_ participant: Participant) -> Bool {
        let id = participant.id
        let isNew = members[id] == nil
        if isNew { order.append(id) }
        var updated = participant
        if let old = members[id] {
            updated.handRaised = old.handRaised
            updated.muted = old.muted
            if updated.card == nil { updated.card = old.card }
        }
        members[id] = updated
        return isNew
    }

    /// Applies a change to a member that is present; returns the changed member.
    @discardableResult
    public mutating func update(_ id: MemberID, _ change: (inout Participant) -> Void) -> Participant? {
        guard var member = members[id] else { return nil }
        change(&member)
        members[id] = member
        if member.handRaised, !hands.contains(id) { hands.append(id) }
        if !member.handRaised { hands.removeAll { $0 == id } }
        return member
    }

    @discardableResult
    public mutating func remove(_ id: MemberID) -> Participant? {
        guard let member = members.removeValue(forKey: id) else { return nil }
        order.removeAll { $0 == id }
        hands.removeAll { $0 == id }
        return member
    }

    public mutating func removeAll() {
        order = []
        members = [:]
        hands = []
    }
}
