/// A sliding anti-replay window over 64-bit counters, RFC 6479's bitmap ring (as WireGuard uses
/// it): the newest counter seen, and one bit per counter for the `windowSize` counters before it.
/// A counter is fresh if it is newer than the newest, or inside the window and not yet seen.
/// Pure: no clock, no I/O.
public struct ReplayWindow: Sendable, Equatable {
    /// How many counters behind the newest are still accepted (RFC 6479 calls this the window).
    public static let windowSize: UInt64 = 8192
    static let bitsPerBlock: UInt64 = 64
    /// One block more than the window needs, so that sliding never clears a block still in use.
    static let ringBlocks = windowSize / bitsPerBlock + 1

    private var ring = [UInt64](repeating: 0, count: Int(ringBlocks))
    /// The newest counter accepted so far (0 before any).
    public private(set) var newest: UInt64 = 0
    /// Whether any counter was accepted (`newest` is then meaningful).
    private var acceptedAny = false

    public init() {}

    /// A window that refuses every counter up to and including `counter`, and accepts every
    /// later one: what a receiver resumes with when a key it used comes back (SFrame).
    public init(refusingThrough counter: UInt64) {
        ring = [UInt64](repeating: UInt64.max, count: Int(Self.ringBlocks))
        // In the newest's block only the bits up to it are seen: later ones are still to come.
        let position = counter % Self.bitsPerBlock
        ring[Self.block(counter)] = position == Self.bitsPerBlock - 1 ? UInt64.max : (1 << (position + 1)) - 1
        newest = counter
        acceptedAny = true
    }

    /// The newest counter accepted, or nil before any.
    public var highestAccepted: UInt64? { acceptedAny ? newest : nil }

    /// Whether `counter` would be accepted now, without recording it (check before decrypting).
    public func isFresh(_ counter: UInt64) -> Bool {
        if counter > newest { return true }
        if newest - counter > Self.windowSize { return false }
        return ring[Self.block(counter)] & Self.bit(counter) == 0
    }

    /// Records `counter` if it is fresh (call after the packet authenticated); returns whether it was.
    public mutating func accept(_ counter: UInt64) -> Bool {
        guard isFresh(counter) else { return false }
        if counter > newest {
            let current = newest / Self.bitsPerBlock
            let target = counter / Self.bitsPerBlock
            let toClear = min(target - current, Self.ringBlocks)
            var index: UInt64 = 1
            while index <= toClear {
                ring[Self.block((current + index) * Self.bitsPerBlock)] = 0
                index += 1
            }
            newest = counter
        }
        acceptedAny = true
        ring[Self.block(counter)] |= Self.bit(counter)
        return true
    }

    private static func block(_ counter: UInt64) -> Int {
        Int((counter / bitsPerBlock) % ringBlocks)
    }

    private static func bit(_ counter: UInt64) -> UInt64 {
        1 << (counter % bitsPerBlock)
    }
}
