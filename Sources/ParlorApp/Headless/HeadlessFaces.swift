import Foundation
import ParlorAudio
import ParlorClient
import ParlorCrypto
import ParlorProtocol
import ParlorServer

/// The three headless faces: `parlor host --headless`, `parlor listen` and `parlor speak`.
/// Each turns its options into a `RoomIdentity` and `MediaIO`, then hands over to `HeadlessRoom`.
public enum HeadlessFaces {
    public struct AudioOptions: Sendable {
        public var bitrate: Int32 = 32_000
        public var fec = true
        /// nil: FEC follows the loss the client measures; a number fixes Opus's expected loss.
        public var expectedLossPercent: Int32?
        public init() {}

        var settings: OpusSettings {
            OpusSettings(bitrate: bitrate, inbandFEC: fec, expectedLossPercent: expectedLossPercent ?? 0)
        }
    }

    /// `parlor listen`.
    public static func listen(link text: String, name: String?, out: String?, perSpeaker: String?,
                              perSpeakerFormat: RecordingFormat = .opus, events: String?,
                              duration: Double?, noAudio: Bool) throws -> Int32 {
        let link = try parseLink(text)
        if noAudio, out != nil || perSpeaker != nil {
            throw FaceError("--no-audio records nothing: drop --out and --per-speaker, or --no-audio")
        }
        if let perSpeaker {
            do {
                try FileManager.default.createDirectory(atPath: perSpeaker, withIntermediateDirectories: true)
            } catch {
                throw FaceError("--per-speaker \(perSpeaker): cannot create the folder", status: .cannotCreate)
            }
        }
        var sinks: [any FrameSink] = []
        if let out {
            let format = try RecordingFormat.of(mixFile: out)
            do {
                sinks.append(try format.mixSink(path: out))
            } catch {
                throw FaceError("--out \(out): cannot create the file (\(error))", status: .cannotCreate)
            }
        }
        let writer = try EventWriter(target: events)
        let client = try RoomClient(identity: try RoomIdentity(link: link, name: name),
                                    media: MediaIO(mixSinks: sinks, perSpeakerDirectory: perSpeakerFormat == .wav ? perSpeaker : nil,
                                                   decode: !noAudio,
                                                   receivedFrames: perSpeakerFormat == .opus ? perSpeaker.map { PerSpeakerOpusSink(folder: $0) } : nil)) {
            writer.write($0)
        }
        return HeadlessRoom.run(client, events: writer, duration: duration)
    }

    /// `parlor speak`.
    public static func speak(link text: String, input: String, name: String?, loop: Bool, audio: AudioOptions) throws -> Int32 {
        let link = try parseLink(text)
        guard link.role >= .speaker else {
            throw FaceError("this is a listen link; `parlor speak` needs a speak link (the host's speak_link)")
        }
        let source: WAVFileSource
        do {
            source = try WAVFileSource(path: input, loop: loop)
        } catch let mismatch as WAVFormatMismatch {
            throw FaceError("--input: \(mismatch)", status: .dataError)
        } catch WAVError.cannotOpen {
            throw FaceError("--input \(input): cannot open the file", status: .noInput)
        } catch {
            throw FaceError("--input \(input): \(error)", status: .dataError)
        }
        let writer = try EventWriter(target: nil)
        var configuration = RoomClient.Configuration()
        configuration.settings = audio.settings
        configuration.adaptiveFEC = audio.expectedLossPercent == nil
        let client = try RoomClient(identity: try RoomIdentity(link: link, name: name), media: MediaIO(source: source),
                                    configuration: configuration) { writer.write($0) }
        // A one-shot file: leave a moment after its end, so its last frames play out.
        let ended = EndOfInput(source: source)
        // Says on stderr what loss Opus's FEC is prepared for, each time that changes (it follows
        // the loss the listeners report): how a person, or a test, sees FEC come on.
        let fec = FECReport(client: client)
        let stopWhen: @Sendable () -> Bool = { @Sendable in
            fec.check()
            return !loop && ended.check()
        }
        return HeadlessRoom.run(client, events: writer, duration: nil, stopWhen: stopWhen)
    }

    /// `parlor host --headless`: with no server, a relay starts in this process on loopback.
    public static func host(server: String?, relayKey: String?, title: String, name: String?, listed: Bool,
                            events: String?, duration: Double?) async throws -> Int32 {
        let writer = try EventWriter(target: events)
        let room = try await NewRoom.make(server: server, relayKey: relayKey, title: title, name: name, listed: listed)
        writer.write(room.created)
        let client = try RoomClient(identity: room.identity, media: MediaIO()) { writer.write($0) }
        let code = await Task.detached { HeadlessRoom.run(client, events: writer, duration: duration) }.value
        await room.relay.embedded?.stop()
        return code
    }

    static func parseLink(_ text: String) throws -> InviteLink {
        do {
            return try InviteLink.parse(text)
        } catch {
            throw FaceError("the link is not a Parlor invite link: \(error)")
        }
    }
}

/// Writes "parlor: FEC prepared for N % loss" to stderr when the speaker's FEC setting changes,
/// and "parlor: N redundant frames a packet" when the copies its packets carry do.
private final class FECReport: @unchecked Sendable {
    let client: RoomClient
    private var last = 0
    private var lastRedundancy = 0

    init(client: RoomClient) { self.client = client }

    func check() {
        let media = client.statistics.media
        if media.fecExpectedLossPercent != last {
            last = media.fecExpectedLossPercent
            FileHandle.standardError.write(Data("parlor: FEC prepared for \(last) % loss\n".utf8))
        }
        if media.redundantFrames != lastRedundancy {
            lastRedundancy = media.redundantFrames
            FileHandle.standardError.write(Data("parlor: \(lastRedundancy) redundant frames a packet\n".utf8))
        }
    }
}

/// Says when a one-shot file source has been played out, plus half a second for the network.
private final class EndOfInput: @unchecked Sendable {
    static let tailSeconds = 0.5
    let source: WAVFileSource
    private var endedAt: Date?

    init(source: WAVFileSource) { self.source = source }

    func check() -> Bool {
        guard source.finished else { return false }
        let at = endedAt ?? Date()
        endedAt = at
        return Date().timeIntervalSince(at) > Self.tailSeconds
    }
}
