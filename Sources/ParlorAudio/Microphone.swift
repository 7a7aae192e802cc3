/// The microphone of a member who may go on stage: the capture device is opened when the member
/// goes on stage and closed when it leaves, so a listener never touches it (nor is told that it
/// cannot be opened). The engine captures silence from `NullAudioDevice` meanwhile.
///
/// Used from one thread at a time (the room client's queue), never the audio thread.
public final class Microphone: @unchecked Sendable {
    /// The ALSA name of the capture device.
    public let deviceName: String
    private let engine: AudioEngine
    private let fallback: (String) -> Void
    /// Whether the capture device (or the silent device standing in for it) is in use.
    public private(set) var isOpen = false

    /// A microphone on `engine`'s audio thread, from the capture device `deviceName`; when it
    /// cannot be opened, the member speaks silence and `fallback` gets the reason (once each time
    /// it goes on stage).
    public init(deviceName: String, engine: AudioEngine, fallback: @escaping (String) -> Void) {
        self.deviceName = deviceName
        self.engine = engine
        self.fallback = fallback
    }

    /// Opens the capture device when `onStage` and it is closed, closes it when not.
    public func setOnStage(_ onStage: Bool) {
        guard onStage != isOpen else { return }
        isOpen = onStage
        if onStage {
            let opened = AudioDevices.open(name: deviceName, direction: .capture, frameSamples: engine.frameSamples)
            engine.useCapture(opened.device)
            if let reason = opened.fallbackReason { fallback(reason) }
        } else {
            engine.useCapture(NullAudioDevice(direction: .capture))
        }
    }
}
