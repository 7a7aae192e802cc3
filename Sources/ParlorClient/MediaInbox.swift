import Foundation
import ParlorProtocol
import Synchronization

/// Media payloads on their way from the network to the media loop: the socket's reader (and
/// the session queue, for payloads that came by TCP) push; the loop pops them at the start of
/// its period. The loop's side is lock-free and never waits; the pushers serialise on a lock of
/// their own. Storage is made once; a full inbox drops the payload and counts it.
final class MediaInbox: @unchecked Sendable {
    /// Payloads it holds: about 16 periods of 4 speakers.
    static let capacity = 64

    private let slots: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutableBufferPointer<Int>
    private let arrivals: UnsafeMutableBufferPointer<Int64>
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)
    private let pushers = NSLock()
    private let dropped = Atomic<Int>(0)

    init() {
        slots = .allocate(byteCount: (Self.capacity + 1) * MediaPayload.maximumLength, alignment: 8)
        slots.initializeMemory(as: UInt8.self, repeating: 0)
        lengths = .allocate(capacity: Self.capacity + 1)
        lengths.initialize(repeating: 0)
        arrivals = .allocate(capacity: Self.capacity + 1)
        arrivals.initialize(repeating: 0)
    }

    deinit {
        slots.deallocate()
        lengths.deallocate()
        arrivals.deallocate()
    }

    /// Payloads dropped because the loop had not taken the earlier ones (it stalled).
    var overflows: Int { dropped.load(ordering: .relaxed) }

    /// Queues a copy of `payload` (at most `MediaPayload.maximumLength` bytes) that arrived at
    /// `arrival`; false when it was dropped.
    @discardableResult
    func push(_ payload: UnsafeRawBufferPointer, arrival: Int64) -> Bool {
        pushers.withLock {
            guard payload.count <= MediaPayload.maximumLength else { return false }
            let t = tail.load(ordering: .relaxed)
            let next = (t + 1) % (Self.capacity + 1)
            guard next != head.load(ordering: .acquiring) else {
                dropped.add(1, ordering: .relaxed)
                return false
            }
            let slot = UnsafeMutableRawBufferPointer(rebasing: slots[t * MediaPayload.maximumLength ..< t * MediaPayload.maximumLength + payload.count])
            slot.copyMemory(from: payload)
            lengths[t] = payload.count
            arrivals[t] = arrival
            tail.store(next, ordering: .releasing)
            return true
        }
    }

    /// Hands each queued payload, oldest first, to `body` (in a buffer it may overwrite), then
    /// frees its slot. The loop's side: lock-free, allocation-free.
    func drain(_ body: (UnsafeMutableRawBufferPointer, Int64) -> Void) {
        var h = head.load(ordering: .relaxed)
        while h != tail.load(ordering: .acquiring) {
            let start = h * MediaPayload.maximumLength
            body(UnsafeMutableRawBufferPointer(rebasing: slots[start ..< start + lengths[h]]), arrivals[h])
            h = (h + 1) % (Self.capacity + 1)
            head.store(h, ordering: .releasing)
        }
    }
}
