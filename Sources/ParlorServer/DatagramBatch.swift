import CDatagramBatch
import CMemory

/// Outgoing datagrams sealed straight into one preallocated buffer and sent together, with as
/// few sendmmsg calls as the kernel allows, when the batch fills or the read batch that produced
/// them ends. The fan-out's cost per recipient is then the seal and a copy of its address: no
/// allocation, no envelope, no pending-write record per datagram.
final class DatagramBatch {
    /// Datagrams held before a send.
    static let capacity = 256
    /// Room for each datagram: above the largest valid one (a 1,024-byte payload is 1,056 bytes).
    static let slotBytes = 1_088

    private var buffers: UnsafeMutableRawBufferPointer
    private var lengths: UnsafeMutableBufferPointer<Int>
    private var addresses: UnsafeMutableBufferPointer<DatagramAddress>
    private(set) var count = 0
    private let send: (DatagramBatch) -> Void

    /// `send` is called with a non-empty batch; the batch is emptied after it returns.
    init(send: @escaping (DatagramBatch) -> Void = { _ in }) {
        buffers = .allocate(byteCount: Self.capacity * Self.slotBytes, alignment: 16)
        lengths = .allocate(capacity: Self.capacity)
        addresses = .allocate(capacity: Self.capacity)
        self.send = send
    }

    deinit {
        buffers.deallocate()
        lengths.deallocate()
        addresses.deallocate()
    }

    /// Adds a datagram to `address`: `write` fills the slot it is given and returns the length
    /// written (0 to add nothing). Sends the batch first when it is full.
    func append(to address: DatagramAddress, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        if count == Self.capacity { flush() }
        let slot = UnsafeMutableRawBufferPointer(rebasing: buffers[count * Self.slotBytes ..< (count + 1) * Self.slotBytes])
        let length = write(slot)
        guard length > 0 else { return }
        lengths[count] = length
        addresses[count] = address
        count += 1
    }

    /// Sends what the batch holds.
    func flush() {
        guard count > 0 else { return }
        send(self)
        count = 0
    }

    /// Sends the batch on the non-blocking UDP socket `fd`; returns how many datagrams the kernel took.
    func send(on fd: Int32) -> Int {
        Int(parlor_send_batch(fd, buffers.baseAddress!.assumingMemoryBound(to: UInt8.self), Self.slotBytes,
                              lengths.baseAddress, addresses.baseAddress, UInt32(count)))
    }

    /// Trades contents with `other` without copying: how a full batch is handed to the sending
    /// thread (`DatagramSender`) in exchange for an empty one.
    func swapContents(with other: DatagramBatch) {
        swap(&buffers, &other.buffers)
        swap(&lengths, &other.lengths)
        swap(&addresses, &other.addresses)
        swap(&count, &other.count)
    }

    /// Empties the batch without sending.
    func removeAll() { count = 0 }

    /// Gives the buffer's pages back to the system while the relay is idle; the batch stays
    /// usable (the pages come back, zeroed, when next written).
    func releasePages() {
        _ = parlor_release_pages(buffers.baseAddress, buffers.count)
    }

    /// The datagrams held, for tests and inspection.
    var datagrams: [(address: DatagramAddress, bytes: [UInt8])] {
        (0..<count).map { i in
            (addresses[i], Array(UnsafeRawBufferPointer(rebasing: buffers[i * Self.slotBytes ..< i * Self.slotBytes + lengths[i]])))
        }
    }
}
