import CDatagramBatch
import Dispatch
import Foundation
import Glibc
import ParlorProtocol
import ParlorServer
import Synchronization

/// Counts, for a set of listeners, which of a `PacedSpeaker`'s frames each one heard: every
/// datagram is opened with its listener's hop key and the frame number the speaker wrote at the
/// head of the frame is marked. Loss is then frames sent × listeners against frames heard, so it
/// sees what the relay dropped before sealing, a listener that heard nothing, and loss at a
/// stream's head or tail. Listeners can be added while the speaker talks (listeners that join
/// late); each is owed the frames sent after it was added.
final class HeardFrameTally: Sendable {
    /// What the listeners heard of what they were owed.
    struct Figures: Sendable {
        /// Frames sent while each listener was in the room, summed over the listeners.
        var expected = 0
        /// Of those, frames heard (each counted once).
        var received = 0
        /// Frames heard a second time, or numbered beyond what the speaker sent: the relay
        /// forwarding one frame twice, which no loss figure may hide.
        var surplus = 0
        var lossPercent: Double { expected > 0 ? Double(max(expected - received, 0)) * 100 / Double(expected) : 0 }
    }

    /// One listener: its socket, its hop key's receiving side, the first frame it is owed and
    /// the frames it heard (a bit each).
    private struct Listener {
        let fd: Int32
        var receiver: MediaReceiver
        let firstOwed: UInt64
        var heard: [UInt64] = []
        var surplus = 0

        mutating func mark(_ frame: UInt64) {
            guard frame >= firstOwed else { return }
            let bit = Int(frame - firstOwed)
            if bit / 64 >= heard.count { heard.append(contentsOf: repeatElement(0, count: bit / 64 + 1 - heard.count)) }
            if heard[bit / 64] & (1 << UInt64(bit % 64)) != 0 { surplus += 1 }
            heard[bit / 64] |= 1 << UInt64(bit % 64)
        }

        /// Frames heard among the `sent` the speaker sent in all; anything numbered later is surplus.
        func heardCount(of sent: UInt64) -> (heard: Int, surplus: Int) {
            var count = 0, beyond = 0
            for (word, bits) in heard.enumerated() {
                for bit in 0..<64 where bits & (1 << UInt64(bit)) != 0 {
                    if firstOwed + UInt64(word * 64 + bit) < sent { count += 1 } else { beyond += 1 }
                }
            }
            return (count, surplus + beyond)
        }
    }

    static let roundNanoseconds: UInt64 = 100_000_000
    static let batch = 64
    static let slotBytes = 2_048
    /// Each socket's receive buffer: many rounds of its 50 datagrams/s.
    static let receiveBufferBytes: Int32 = 1 << 20
    /// How long after `finish` the sweeps go on while datagrams still arrive.
    static let maximumDrainNanoseconds: UInt64 = 5_000_000_000

    private let added = Mutex<[Listener]>([])
    private let finishing = Atomic<UInt64>(0)
    private let listeners = Mutex<[Listener]>([])
    private let group = DispatchGroup()

    /// Starts the sweeping thread.
    func start() {
        group.enter()
        Thread { [self] in
            let swept = sweep()
            listeners.withLock { $0 = swept }
            group.leave()
        }.start()
    }

    /// Adds a listener whose media is set up; it is owed every frame `speaker` sends from now on
    /// (`PacedSpeaker.firstFrameOwedToNewListener`).
    func add(_ session: RelaySocketSession, speaker: PacedSpeaker) {
        var bytes = Self.receiveBufferBytes
        setsockopt(session.udp, SOL_SOCKET, SO_RCVBUF, &bytes, socklen_t(MemoryLayout<Int32>.size))
        let listener = Listener(fd: session.udp, receiver: session.mediaReceiver, firstOwed: speaker.firstFrameOwedToNewListener)
        added.withLock { $0.append(listener) }
    }

    /// Waits until datagrams stop arriving and returns what the listeners heard of the
    /// `framesSent` frames the speaker sent.
    func finish(framesSent: Int) -> Figures {
        finishing.store(Monotonic.nanoseconds, ordering: .releasing)
        group.wait()
        var figures = Figures()
        for listener in listeners.withLock({ $0 }) {
            figures.expected += max(framesSent - Int(listener.firstOwed), 0)
            let (heard, surplus) = listener.heardCount(of: UInt64(framesSent))
            figures.received += heard
            figures.surplus += surplus
        }
        return figures
    }

    private func sweep() -> [Listener] {
        var listeners: [Listener] = []
        var buffers = [UInt8](repeating: 0, count: Self.batch * Self.slotBytes)
        var lengths = [Int](repeating: 0, count: Self.batch)
        var arrivals = [Int64](repeating: 0, count: Self.batch)
        var round = Monotonic.nanoseconds
        while true {
            let ended = finishing.load(ordering: .acquiring)
            listeners.append(contentsOf: added.withLock { new in defer { new.removeAll() }; return new })
            var found = 0
            for i in listeners.indices {
                while true {
                    let n = Int(parlor_receive_batch(listeners[i].fd, &buffers, Self.slotBytes, UInt32(Self.batch), &lengths, &arrivals))
                    for d in 0..<max(n, 0) {
                        let start = d * Self.slotBytes
                        // Keepalive answers are not media; a datagram that does not open is not heard.
                        guard let opened = try? listeners[i].receiver.open(buffers[start..<start + lengths[d]]),
                              opened.kind == .media, let payload = try? MediaPayload.decode(opened.payload),
                              let frame = PacedSpeaker.frameNumber(in: payload.sframe) else { continue }
                        listeners[i].mark(frame)
                    }
                    found += max(n, 0)
                    if n < Self.batch { break }
                }
            }
            if ended != 0, found == 0 || Monotonic.nanoseconds - ended > Self.maximumDrainNanoseconds { break }
            round = max(round + Self.roundNanoseconds, Monotonic.nanoseconds)
            var deadline = timespec(tv_sec: Int(round / 1_000_000_000), tv_nsec: Int(round % 1_000_000_000))
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil)
        }
        return listeners
    }
}
