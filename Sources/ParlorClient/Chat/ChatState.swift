/// What a member remembers of the chat: which messages it has seen or seen deleted (so a relay
/// replaying a blob shows nothing twice, and a deleted message never comes back), and its own
/// sending budget, the relay's blob rate (docs/PROTOCOL.md §9), so a face hears "too fast" at
/// once instead of a relay refusal.
struct ChatState: Sendable, Equatable {
    /// Message ids remembered (the oldest are forgotten first).
    static let memory = 2_000
    /// The relay's `blobs_per_second` and `blob_burst`.
    static let blobsPerSecond = 5.0
    static let blobBurst = 20.0

    private(set) var seen: Set<[UInt8]> = []
    private var order: [[UInt8]] = []
    private var tokens = blobBurst
    private var refilledAt: UInt64?

    /// Remembers `id`; false when it was remembered already.
    mutating func remember(_ id: [UInt8]) -> Bool {
        guard seen.insert(id).inserted else { return false }
        order.append(id)
        if order.count > Self.memory {
            seen.remove(order.removeFirst())
        }
        return true
    }

    /// Takes one blob from the budget at `now` (seconds); false when it is spent.
    mutating func spend(now: UInt64) -> Bool {
        let elapsed = refilledAt.map { Double(now &- $0) } ?? 0
        tokens = min(Self.blobBurst, tokens + elapsed * Self.blobsPerSecond)
        refilledAt = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
