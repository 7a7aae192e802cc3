import Foundation
import Glibc
import ParlorServer
import Synchronization

/// A speaker on a thread of its own: sends one frame each 20 ms on an absolute schedule until
/// stopped, and throws away whatever its control session receives (a host hears of every join,
/// and a control stream left unread would pile up in the relay's buffers).
final class PacedSpeaker: @unchecked Sendable {
    static let frameNanoseconds: UInt64 = 20_000_000
    static let drainBytes = 65_536

    /// Only the speaker's thread touches the session once `start` is called; `stop` closes it.
    private var session: RelaySocketSession?
    private let stopping = Atomic<Bool>(false)
    private let sent = Atomic<Int>(0)
    private let group = DispatchGroup()

    init(_ session: RelaySocketSession) {
        self.session = session
    }

    func start() {
        group.enter()
        Thread { [self] in
            defer { group.leave() }
            guard let session else { return }
            let payload = [UInt8](repeating: 0, count: RelayBenchmark.frameBytes)
            var drain = [UInt8](repeating: 0, count: Self.drainBytes)
            var deadline = Monotonic.nanoseconds
            while !stopping.load(ordering: .relaxed) {
                deadline += Self.frameNanoseconds
                var next = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nil)
                guard (try? session.sendMedia(payload)) != nil else { return }
                sent.add(1, ordering: .relaxed)
                while recv(session.tcp, &drain, drain.count, Int32(MSG_DONTWAIT)) > 0 {}
            }
        }.start()
    }

    /// Stops sending and closes the session; returns the frames sent.
    func stop() -> Int {
        stopping.store(true, ordering: .relaxed)
        group.wait()
        session = nil
        return sent.load(ordering: .relaxed)
    }
}
