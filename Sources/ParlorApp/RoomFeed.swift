import Foundation
import ParlorAudio
import ParlorClient
import ParlorTUI

/// Carries a room client's events into the room screen's runner, each with a snapshot of the room
/// just after it, and samples the status figures a few times a second. One serial queue keeps the
/// events in order; the snapshot is read there, never on the client's own queue (which would wait
/// on itself).
final class RoomFeed: @unchecked Sendable {
    private let runner: TerminalRunner<RoomScreen>
    private let queue = DispatchQueue(label: "parlor.room-feed")
    private var client: RoomClient?
    private var timer: (any DispatchSourceTimer)?

    init(runner: TerminalRunner<RoomScreen>) {
        self.runner = runner
    }

    /// Starts forwarding for `client`; samples its statistics and the microphone every interval,
    /// and posts how the stay ended when it does.
    func start(client: RoomClient, engine: AudioEngine, intervalMilliseconds: Int) {
        queue.sync { self.client = client }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .milliseconds(intervalMilliseconds))
        var loss = LossWindow()
        var health = AudioHealth()
        timer.setEventHandler { [runner] in
            for notice in health.notices(for: engine.statistics, at: ProcessInfo.processInfo.systemUptime) {
                runner.post(.notice(notice))
            }
            let statistics = client.statistics
            let lossPercent = loss.add(lost: statistics.media.lostFrames, received: statistics.media.packetsReceived)
            runner.post(.quality(LinkQuality(media: statistics.media, lossPercent: lossPercent,
                                             roundTripMilliseconds: statistics.roundTripMilliseconds,
                                             udp: statistics.udp, microphone: engine.microphoneLevel.rms)))
        }
        timer.resume()
        self.timer = timer
        let waiter = Thread { [runner] in runner.post(.exited(client.wait())) }
        waiter.name = "parlor-room-exit"
        waiter.start()
    }

    /// Posts `event` with the room as it is after it.
    func forward(_ event: RoomEvent) {
        queue.async { [self] in
            guard let client else { return }
            runner.post(.room(event, RoomSnapshot(session: client.state)))
        }
    }

    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
            client = nil
        }
    }
}
