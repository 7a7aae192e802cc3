import ParlorCrypto
import ParlorProtocol

/// What this client has verified of the room's authority (docs/PROTOCOL.md §7.4–§7.5): the
/// newest charter the host signed, whose credentials checked out, who was admitted and who
/// banned, and which grants were revoked. The keeper seals an epoch secret only to a member that
/// passes `mayHoldKeys`, whatever the relay announces; every client refuses roster entries whose
/// credential does not verify.
struct RoomAuthority: Sendable {
    /// The newest charter signed by the host key (the host's own, or one the relay passed on).
    var charter: RoomCharter?
    /// Member keys this keeper sealed keys to: they stay admitted after their link is replaced.
    var admitted: Set<[UInt8]> = []
    /// Member keys banned by this client: never sealed to again, whatever the relay says.
    var banned: Set<[UInt8]> = []
    /// Signatures of the grants this client saw revoked, oldest first: each backed a member's role
    /// until the relay moved that member down (a move to the audience revokes the grant, §4.5), or
    /// a keeper's epoch statement listed it. Such a grant never proves a role again, nor vouches
    /// for an epoch or a ban, whatever the relay shows.
    private(set) var revokedGrants: [[UInt8]] = []
    private var revokedSet: Set<[UInt8]> = []
    /// (member key ‖ box key) of roster entries whose credential verified.
    private var verifiedEntries: Set<[UInt8]> = []
    /// Unix seconds when this keeper last moved the room to a new epoch.
    var lastRekey: UInt64?
    /// The membership changed since the last epoch: newcomers wait for the next one.
    var newcomersWaiting = false
    /// True from a `joined` until the first epoch arrives: that one may be any epoch; later ones +1.
    var awaitingKeys = false

    /// Checks a roster entry's credential against the pinned host key; returns the role it backs.
    mutating func verify(_ entry: MemberEntry, roomID: [UInt8], hostKey: [UInt8], now: UInt64) throws(CryptoError) -> Role {
        let role = try entry.credential.verify(roomID: roomID, hostKey: hostKey, memberKey: entry.memberKey, boxKey: entry.boxKey, now: now)
        verifiedEntries.insert(entry.memberKey + entry.boxKey)
        return role
    }

    /// Whether a keeper may seal the room's keys to `member`: the host; or a member whose
    /// credential verified for this box key, who is not banned, and whose link the current
    /// charter names (or who was admitted before its link was replaced).
    func mayHoldKeys(_ member: Participant, hostKey: [UInt8]) -> Bool {
        guard !banned.contains(member.key) else { return false }
        if member.key == hostKey { return verifiedEntries.contains(member.key + member.boxKey) }
        guard let credential = member.credential, verifiedEntries.contains(member.key + member.boxKey),
              let linkKey = credential.linkKey else { return false }
        return admitted.contains(member.key) || (charter?.admits(linkKey: linkKey) ?? false)
    }

    /// Remembers that the grant with `signature` was revoked.
    mutating func revoke(signature: [UInt8]) {
        guard revokedSet.insert(signature).inserted else { return }
        revokedGrants.append(signature)
    }

    /// Whether this client saw `grant` revoked.
    func isRevoked(_ grant: Grant) -> Bool {
        revokedSet.contains(grant.signature)
    }

    /// What a keeper's statement lists: the newest revocations, as many as a statement holds.
    var revokedToList: [[UInt8]] { Array(revokedGrants.suffix(EpochStatement.maximumRevoked)) }

    /// Takes a charter if the host signed it for this room and it is newer; throws when it is forged.
    mutating func accept(_ candidate: RoomCharter, roomID: [UInt8], hostKey: [UInt8]) throws(CryptoError) -> Bool {
        try candidate.verify(roomID: roomID, hostKey: hostKey)
        guard candidate.version > charter?.version ?? 0 else { return false }
        charter = candidate
        return true
    }
}
