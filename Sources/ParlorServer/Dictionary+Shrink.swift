extension Dictionary {
    /// Capacity below which a dictionary is left alone: shrinking it would save next to nothing.
    static var shrinkFloor: Int { 64 }

    /// Gives back the storage a dictionary kept after most of its entries went: Swift's
    /// dictionaries never shrink on removal, so a relay table that once held thousands of
    /// sessions would hold their room forever. When under a quarter of the capacity is in use,
    /// the entries move to storage sized for them. Each shrink follows at least three removals
    /// per remaining entry, so the cost is amortised O(1) per removal.
    mutating func shrinkIfSparse() {
        guard capacity > Self.shrinkFloor, count * 4 < capacity else { return }
        var compact = Dictionary(minimumCapacity: count)
        for (key, value) in self { compact[key] = value }
        self = compact
    }
}
