import ParlorAudio

/// A room client's audio ends: the sound card it runs its media loop on, what it speaks from
/// and where what it hears goes.
public struct MediaIO {
    /// The sound card's audio thread (started by its owner): each period it runs the room's
    /// media loop, what it captures is what this client says and the mix is what it plays. Nil:
    /// the client runs the loop on a self-paced thread of its own over the silent device.
    public var engine: AudioEngine?
    /// A file to speak instead of the microphone; nil speaks what the engine captures (or
    /// nothing without an engine).
    public var source: (any FrameSource)?
    /// Files (and test detectors) that get the mix, off the loop's thread.
    public var mixSinks: [any FrameSink]
    /// One WAV per speaker, named by member id, in this directory.
    public var perSpeakerDirectory: String?
    /// False: media is received and counted but not decoded (events only).
    public var decode: Bool
    /// Every verified frame as received, before decoding (per-speaker Ogg Opus files).
    public var receivedFrames: (any ReceivedFrameSink)?
    /// The engine's microphone, opened only while this member is on stage; nil: the engine's
    /// capture device is whatever its owner gave it, for the whole stay.
    public var microphone: Microphone?

    public init(engine: AudioEngine? = nil, source: (any FrameSource)? = nil, mixSinks: [any FrameSink] = [],
                perSpeakerDirectory: String? = nil, decode: Bool = true, receivedFrames: (any ReceivedFrameSink)? = nil,
                microphone: Microphone? = nil) {
        self.engine = engine
        self.receivedFrames = receivedFrames
        self.source = source
        self.mixSinks = mixSinks
        self.perSpeakerDirectory = perSpeakerDirectory
        self.decode = decode
        self.microphone = microphone
    }
}
