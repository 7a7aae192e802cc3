import Foundation
import Glibc
import ParlorServer
import Synchronization

/// A speaker on a thread of its own: sends one frame each 20 ms on an absolute schedule until
/// stopped, each frame numbered from 0 in its first 8 bytes (little-endian) so that listeners
/// can tell which frames they heard (`HeardFrameTally`), and throws away whatever its control session receives (a host hears of every join,
/// and a control stream left unread would pile up in the relay's buffers). It can also send the
/// keepalives of a fixed set of listeners every 5 s, as clients do.
final class PacedSpeaker: @unchecked Sendable {
    static let frameNanoseconds: UInt64 = 20_000_000
    static let drainBytes = 65_536
    /// Frames between two keepalives of each listener kept alive (5 s).
    static let framesPerKeepalive = 250

    /// Only the speaker's thread touches the session once `start` is called; `stop` closes it.
    private var session: RelaySocketSession?
    /// Only the speaker's thread sends on these once `start` is called; `stop` lets them go.
    private var listeners: [RelaySocketSession]
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let sent = Atomic<Int>(0)
    private let group = DispatchGroup()

    init(_ session: RelaySocketSession, keepingAlive listeners: [RelaySocketSession] = []) {
        self.session = session
        self.listeners = listeners
    }

    func start() {
        started.store(true, ordering: .releasing)
        group.enter()
        Thread { [self] in
            defer { group.leave() }
            guard let session else { return }
            var payload = [UInt8](repeating: 0, count: RelayBenchmark.frameBytes)
            var drain = [UInt8](repeating: 0, count: Self.drainBytes)
            var deadline = Monotonic.nanoseconds
            while !stopping.load(ordering: .relaxed) {
                deadline += Self.frameNanoseconds
                var next = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nil)
                let number = UInt64(sent.load(ordering: .relaxed))
                withUnsafeBytes(of: number.littleEndian) { payload.replaceSubrange(0..<8, with: $0) }
                guard (try? session.sendMedia(payload)) != nil else { return }
                if sent.add(1, ordering: .sequentiallyConsistent).newValue % Self.framesPerKeepalive == 0 {
                    for listener in listeners { try? listener.sendKeepalive() }
                }
                while recv(session.tcp, &drain, drain.count, Int32(MSG_DONTWAIT)) > 0 {}
            }
        }.start()
    }

    /// The first frame a listener whose media is set up now is sure to be sent: 0 before the
    /// speaker starts; once it talks, the frame after the one that may be on its way.
    var firstFrameOwedToNewListener: UInt64 {
        started.load(ordering: .acquiring) ? UInt64(sent.load(ordering: .sequentiallyConsistent)) + 1 : 0
    }

    /// The number a frame of this speaker's carries, or nil if it is too short to carry one.
    static func frameNumber(in frame: [UInt8]) -> UInt64? {
        guard frame.count >= 8 else { return nil }
        return frame.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// Stops sending, closes the session and lets the listeners go; returns the frames sent.
    func stop() -> Int {
        stopping.store(true, ordering: .relaxed)
        group.wait()
        session = nil
        listeners.removeAll()
        return sent.load(ordering: .relaxed)
    }
}
