import Synchronization

/// A lock-free single-producer/single-consumer ring of fixed-size audio frames.
///
/// One thread pushes, one thread pops; neither ever blocks, allocates or locks. The storage is
/// allocated once in `init`. Only the two indices cross threads, with acquire/release ordering:
/// the producer writes a frame and then publishes `tail`; the consumer reads a frame and then
/// publishes `head`. One slot stays empty so that full and empty differ.
public final class SPSCRing: Sendable {
    /// Samples in one frame.
    public let frameSamples: Int
    /// How many frames the ring holds at most.
    public let capacity: Int

    // The only raw storage; every access is bounded by the indices below.
    private nonisolated(unsafe) let storage: UnsafeMutableBufferPointer<Int16>
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)

    /// A ring of `capacity` frames of `frameSamples` samples each.
    public init(frameSamples: Int, capacity: Int) {
        precondition(frameSamples > 0 && capacity > 0, "a ring needs room for at least one frame")
        self.frameSamples = frameSamples
        self.capacity = capacity
        storage = .allocate(capacity: frameSamples * (capacity + 1))
        storage.initialize(repeating: 0)
    }

    deinit { storage.deallocate() }

    /// Frames waiting to be popped (a snapshot: the other side may be moving).
    public var count: Int {
        let h = head.load(ordering: .acquiring)
        let t = tail.load(ordering: .acquiring)
        return (t - h + capacity + 1) % (capacity + 1)
    }

    /// Copies `frame` into the ring. Returns false, copying nothing, when the ring is full or
    /// `frame` is not exactly one frame long. Producer side only.
    @discardableResult
    public func push(_ frame: UnsafeBufferPointer<Int16>) -> Bool {
        guard frame.count == frameSamples else { return false }
        let t = tail.load(ordering: .relaxed)
        let next = (t + 1) % (capacity + 1)
        guard next != head.load(ordering: .acquiring) else { return false }
        let slot = UnsafeMutableBufferPointer(rebasing: storage[t * frameSamples ..< (t + 1) * frameSamples])
        _ = slot.initialize(from: frame)
        tail.store(next, ordering: .releasing)
        return true
    }

    /// Copies the oldest frame into `frame` and removes it. Returns false, leaving `frame`
    /// untouched, when the ring is empty or `frame` is not one frame long. Consumer side only.
    @discardableResult
    public func pop(into frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
        guard frame.count == frameSamples else { return false }
        let h = head.load(ordering: .relaxed)
        guard h != tail.load(ordering: .acquiring) else { return false }
        let slot = UnsafeBufferPointer(rebasing: storage[h * frameSamples ..< (h + 1) * frameSamples])
        _ = frame.initialize(from: slot)
        head.store((h + 1) % (capacity + 1), ordering: .releasing)
        return true
    }
}
