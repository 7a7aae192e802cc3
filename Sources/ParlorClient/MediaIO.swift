/// A room client's audio ends: what it speaks from and where what it hears goes.
public struct MediaIO {
    /// The microphone or a file; nil for a client that never speaks.
    public var source: (any FrameSource)?
    /// The mix of everyone heard: the playback ring, a WAV file, both or neither.
    public var mixSinks: [any FrameSink]
    /// One WAV per speaker, named by member id, in this directory.
    public var perSpeakerDirectory: String?
    /// False: media is received and counted but not decoded (events only).
    public var decode: Bool
    /// Every verified frame as received, before decoding (per-speaker Ogg Opus files).
    public var receivedFrames: (any ReceivedFrameSink)?

    public init(source: (any FrameSource)? = nil, mixSinks: [any FrameSink] = [], perSpeakerDirectory: String? = nil, decode: Bool = true,
                receivedFrames: (any ReceivedFrameSink)? = nil) {
        self.receivedFrames = receivedFrames
        self.source = source
        self.mixSinks = mixSinks
        self.perSpeakerDirectory = perSpeakerDirectory
        self.decode = decode
    }
}
