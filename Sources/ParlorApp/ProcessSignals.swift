import Dispatch
import Foundation
import Glibc
import ParlorAudio

/// The one owner of the process's signals. `main` calls `install()` first thing: SIGPIPE is
/// ignored (a write to a pipe nobody reads fails with EPIPE, which the room handles as a device or
/// output error), and SIGINT and SIGTERM lose their default action and are watched on a dispatch
/// queue. Then, for each SIGINT or SIGTERM:
///
/// - the newest subscriber hears it (a face leaves its room, the relay drains), with how many it
///   has heard, so a face can end the process at once on a second one (`endNow`);
/// - with no subscriber, every open recording is finalised and the signal's default action ends
///   the process (its status says which signal).
///
/// The recorders subscribe through `SignalFinaliser`: each open `WAVWriter` holds a slot there,
/// and every ending this type brings about finalises those headers first.
public enum ProcessSignals {
    /// What a subscriber is told: the signal and how many this subscription has heard (1 first).
    public typealias Handler = @Sendable (_ signal: Int32, _ count: Int) -> Void

    /// Ignores SIGPIPE and starts watching SIGINT and SIGTERM (once; later calls do nothing).
    public static func install() { watch.install() }

    /// Hands SIGINT and SIGTERM to `handler` until the subscription is cancelled (installing the
    /// watch if `main` did not).
    public static func subscribe(_ handler: @escaping Handler) -> Subscription {
        watch.install()
        return watch.subscribe(handler)
    }

    /// Finalises every open recording and ends the process with status 130 (as after Ctrl-C).
    public static func endNow() -> Never {
        SignalFinaliser.finaliseAll()
        exit(130)
    }

    /// A subscriber's hold on the signals; `cancel` gives them back to the one before.
    public final class Subscription: Sendable {
        let id: Int
        init(id: Int) { self.id = id }
        public func cancel() { watch.unsubscribe(id) }
    }

    private static let watch = Watch()

    private final class Watch: @unchecked Sendable {
        private let lock = NSLock()
        private var sources: [any DispatchSourceSignal] = []
        private var subscribers: [(id: Int, handler: Handler, heard: Int)] = []
        private var nextID = 0

        func install() {
            lock.withLock {
                guard sources.isEmpty else { return }
                signal(SIGPIPE, SIG_IGN)
                for sig in [SIGINT, SIGTERM] {
                    signal(sig, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                    source.setEventHandler { [self] in received(sig) }
                    source.resume()
                    sources.append(source)
                }
            }
        }

        func subscribe(_ handler: @escaping Handler) -> Subscription {
            lock.withLock {
                nextID += 1
                subscribers.append((nextID, handler, 0))
                return Subscription(id: nextID)
            }
        }

        func unsubscribe(_ id: Int) {
            lock.withLock { subscribers.removeAll { $0.id == id } }
        }

        private func received(_ sig: Int32) {
            let newest = lock.withLock { () -> (Handler, Int)? in
                guard !subscribers.isEmpty else { return nil }
                subscribers[subscribers.count - 1].heard += 1
                let last = subscribers[subscribers.count - 1]
                return (last.handler, last.heard)
            }
            guard let (handler, count) = newest else {
                // Nobody to leave a room or drain: finalise recordings, then die of the signal.
                SignalFinaliser.finaliseAll()
                signal(sig, SIG_DFL)
                kill(getpid(), sig)
                return
            }
            handler(sig, count)
        }
    }
}
