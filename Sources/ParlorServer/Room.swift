import ParlorCrypto

/// One room on the relay, named by an opaque id. The relay knows its members' keys and roles,
/// the order of raised hands and who is banned; never its title, names or audio.
public struct Room: Sendable {
    public let id: OpaqueKey
    /// The host's Ed25519 key, registered at creation: grants must be signed by it (or by a moderator).
    public let hostKey: OpaqueKey
    /// Whether the host listed the room in the public directory, with its sealed title.
    public internal(set) var directoryEntry: [UInt8]?

    public internal(set) var members: [SessionID: RoomMember] = [:]
    /// Sessions in the order they joined: the roster's order.
    public internal(set) var joinOrder: [SessionID] = []
    /// Set by the room table, to a value no room of that table had before, whenever `joinOrder`
    /// changes: the media path keeps each room's recipients and rebuilds them only when it moves.
    public internal(set) var membershipVersion: UInt64 = 0
    /// Sessions with a raised hand, in the order raised.
    public internal(set) var hands: [SessionID] = []
    var banned: Set<OpaqueKey> = []
    /// Signatures of grants voided by a move to the audience.
    var revokedGrants: Set<[UInt8]> = []
    var nextSlot: UInt16 = 1
    /// The host's signed list of the links that admit members now (verified before it is stored).
    public internal(set) var charter: RoomCharter
    /// Member keys this room admitted: one whose link was replaced after it joined may come back.
    /// At most one per slot ever given out, so bounded by the 65,534 slots.
    var admitted: Set<OpaqueKey> = []
    /// Member keys moved to the audience (or removed): their link's speaker role does not come
    /// back on a rejoin until they present a new personal grant.
    var demoted: Set<OpaqueKey> = []

    init(id: OpaqueKey, hostKey: OpaqueKey, charter: RoomCharter) {
        self.id = id
        self.hostKey = hostKey
        self.charter = charter
    }

    /// Members on stage (host, moderators, speakers).
    public var stageCount: Int { members.values.filter { $0.role.isOnStage }.count }
    /// Members in the audience.
    public var listenerCount: Int { members.count - stageCount }
    /// The members in join order.
    public var roster: [RoomMember] { joinOrder.compactMap { members[$0] } }
    /// Sessions that may moderate.
    var moderators: [SessionID] { joinOrder.filter { members[$0]?.role.canModerate == true } }

    func session(of key: OpaqueKey) -> SessionID? {
        members.values.first { $0.key == key }?.session
    }
}
