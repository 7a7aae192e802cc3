import CDatagramBatch
import Dispatch
import Foundation
import Glibc
import ParlorServer
import Synchronization

/// The receiving side of `parlor bench relay`: counts the media datagrams that reach the
/// listeners and measures how long the relay took to send them on.
///
/// Each of `threadCount` threads owns a share of the listeners' UDP sockets and sweeps it in
/// rounds, draining every socket with recvmmsg each `roundNanoseconds`. A datagram waits in its
/// socket's buffer between rounds (a round is a few datagrams per socket, far below the buffer),
/// so each system call reads several, and the generator stays well below a core even at 5,000
/// listeners. Waiting costs the measurement nothing: the kernel stamps each datagram as the
/// relay's send puts it on the loopback device (SO_TIMESTAMPNS), and the delay is that stamp
/// minus the send time the speaker wrote into the frame — the relay's delay, however late the
/// sweep. One datagram in `sampleEvery` is opened with its listener's hop key to read that time.
final class MediaCounter: Sendable {
    /// Threads that receive; each owns a share of the sockets (the relay needs the rest of the machine).
    static let threadCount = 2
    static let sampleEvery = 8
    static let roundNanoseconds: UInt64 = 100_000_000
    /// Each listener socket's receive buffer: room for seconds of its 50 datagrams/s.
    static let receiveBufferBytes: Int32 = 1 << 20
    /// How long after the speakers stop the sweeps go on while datagrams still arrive.
    static let maximumDrainNanoseconds: UInt64 = 10_000_000_000

    private let shares: [MediaCounterShare]
    private let sendingEnded = Atomic<UInt64>(0)
    private let group = DispatchGroup()

    init(_ sessions: [RelaySocketSession]) {
        let perThread = (sessions.count + Self.threadCount - 1) / max(Self.threadCount, 1)
        shares = stride(from: 0, to: sessions.count, by: max(perThread, 1)).map { first in
            MediaCounterShare(Array(sessions[first..<min(first + perThread, sessions.count)]))
        }
    }

    /// Starts the receiving threads.
    func start() {
        for share in shares {
            group.enter()
            let thread = Thread { [self] in
                share.run(sendingEnded: { let ended = sendingEnded.load(ordering: .acquiring); return ended == 0 ? nil : ended })
                group.leave()
            }
            thread.start()
        }
    }

    /// Tells the threads the speakers stopped, waits until datagrams stop arriving, and returns
    /// the datagrams received and a sample of relay delays in milliseconds.
    func finish() -> (received: Int, delaysMilliseconds: [Double]) {
        sendingEnded.store(Monotonic.nanoseconds, ordering: .releasing)
        group.wait()
        return (shares.map(\.received).reduce(0, +), shares.flatMap(\.delaysMilliseconds))
    }
}
