import ParlorCrypto

/// A speaker's last frames, kept to be copied into its next packets (`MediaFrameBody`): each
/// body it writes carries the frame of its own counter and, when `depth` asks for them, the
/// frames sent under the counters just before it by the same KID, as many as fit the space the
/// payload's bucket leaves. A frame from another KID or a counter that is not exactly c − d is
/// never copied. Everything is allocated in `init`.
public final class RedundantFrameHistory {
    /// Copies of earlier frames to carry (0 ... `MediaFrameBody.maximumRedundancy`).
    public var depth = 0 {
        didSet { depth = min(max(depth, 0), MediaFrameBody.maximumRedundancy) }
    }

    private static let slots = MediaFrameBody.maximumRedundancy
    private static let slotBytes = FrameAuthentication.maximumFrameLength
    private let frames: UnsafeMutableBufferPointer<UInt8>
    private var lengths = [Int](repeating: 0, count: slots)
    private var keyIDs = [UInt64](repeating: 0, count: slots)
    private var counters = [UInt64](repeating: 0, count: slots)

    public init() {
        frames = .allocate(capacity: Self.slots * Self.slotBytes)
        frames.initialize(repeating: 0)
    }

    deinit { frames.deallocate() }

    /// Writes the body of frame `counter` of `keyID` into `out`, at most `capacity` bytes (at
    /// least the frame and a one-byte header), with up to `depth` copies of the frames before it;
    /// remembers `frame` for the next packets and returns the body's length. Allocates nothing.
    public func write(frame: UnsafeBufferPointer<UInt8>, keyID: UInt64, counter: UInt64, capacity: Int,
                      into out: UnsafeMutableBufferPointer<UInt8>) throws(ParlorProtocolError) -> Int {
        let room = min(capacity, out.count)
        guard frame.count > 0, MediaFrameBody.headerLength(redundancy: 0) + frame.count <= room else {
            throw ParlorProtocolError.invalidLength(what: "frame in a body of \(room) bytes", got: frame.count)
        }
        // The copies that are there and fit, nearest first.
        var count = 0, copied = 0
        while count < depth, let length = held(keyID: keyID, counter: counter, distance: count + 1),
              MediaFrameBody.headerLength(redundancy: count + 1) + copied + length + frame.count <= room {
            count += 1
            copied += length
        }
        out[0] = UInt8(count)
        var offset = MediaFrameBody.headerLength(redundancy: count)
        for distance in 0..<count {
            let slot = Self.slot(of: counter &- UInt64(distance + 1))
            out[1 + 2 * distance] = UInt8(lengths[slot] >> 8)
            out[2 + 2 * distance] = UInt8(lengths[slot] & 0xFF)
            let source = UnsafeBufferPointer(rebasing: frames[slot * Self.slotBytes ..< slot * Self.slotBytes + lengths[slot]])
            _ = UnsafeMutableBufferPointer(rebasing: out[offset ..< offset + source.count]).initialize(from: source)
            offset += source.count
        }
        _ = UnsafeMutableBufferPointer(rebasing: out[offset ..< offset + frame.count]).initialize(from: frame)
        remember(frame, keyID: keyID, counter: counter)
        return offset + frame.count
    }

    /// Forgets every frame (the speaker left the stage: its next KID starts afresh anyway).
    public func clear() {
        for slot in 0..<Self.slots { lengths[slot] = 0 }
    }

    private static func slot(of counter: UInt64) -> Int { Int(counter % UInt64(slots)) }

    /// The length of the frame sent `distance` before `counter` under `keyID`, if it is held.
    private func held(keyID: UInt64, counter: UInt64, distance: Int) -> Int? {
        guard counter >= UInt64(distance) else { return nil }
        let wanted = counter - UInt64(distance)
        let slot = Self.slot(of: wanted)
        guard lengths[slot] > 0, keyIDs[slot] == keyID, counters[slot] == wanted else { return nil }
        return lengths[slot]
    }

    private func remember(_ frame: UnsafeBufferPointer<UInt8>, keyID: UInt64, counter: UInt64) {
        let slot = Self.slot(of: counter)
        guard frame.count <= Self.slotBytes else {
            lengths[slot] = 0
            return
        }
        _ = UnsafeMutableBufferPointer(rebasing: frames[slot * Self.slotBytes ..< slot * Self.slotBytes + frame.count]).initialize(from: frame)
        lengths[slot] = frame.count
        keyIDs[slot] = keyID
        counters[slot] = counter
    }
}
