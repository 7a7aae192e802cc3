import Foundation
import ParlorAudio
import ParlorClient
import ParlorTestSupport
import Testing

extension RoomEndToEndTests {
    /// A speaker without headphones, through a real relay: the far speaker's voice plays from the
    /// near speaker's loudspeaker and comes back into its microphone through a simulated room
    /// (40 ms, −6 dB, 220 ms tail; `EchoPath`); after 6 s the near speaker talks too. A listener
    /// records each speaker apart. With the product's capture chain, the echo the listener hears
    /// in the near speaker's stream (2.5–5.5 s after it first sent) is far below what went into
    /// the microphone (measured 30.2 dB; #17 asks 25; bound 29: Speex's residual echo suppression
    /// with its denoiser at 0 dB, WebRTC's noise suppressor after it; with Speex's own noise
    /// suppression at −30 dB it was 45.6); without echo cancellation it is not (−2.4 dB: gain
    /// control raises it; bound < 3). During double talk the near speaker's voice at the listener
    /// scores PESQ-WB 2.37–2.45 with the chain, 1.12 without (#17 asks 3.0, which Speex's filter
    /// reaches only once it has learnt the room longer: `CaptureProcessingTests`; bound 2.2, and
    /// 0.8 above the room without echo cancellation).
    @Test func echoIsTakenOutBeforeTheListener() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.server.stop() } }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let far = try SpeechFixture.wav()
        let nearSpeech = try WAVReader(path: try SpeechFixture.wav(text: "Every morning the baker opens the shop and sells warm bread to the village.", voice: "en-gb").path).samples
        let frame = OpusSettings().frameSamples
        let leadFrames = 6 * 50
        var rooms: [(name: String, path: EchoPath, engine: AudioEngine, near: TestMember, far: GatedSource, members: [TestMember])] = []
        var sendingFrom: [String: Int] = [:], voiceFrom: [String: Int] = [:]
        for (name, capture) in [("on", CaptureProcessor.Settings()), ("off", CaptureProcessor.Settings(echoCancellation: false))] {
            let room = try relay.hostRoom()
            let host = try TestMember.host(room, title: "Echo \(name)")
            let folder = dir.path("heard-\(name)")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let listener = try TestMember.join(RoomIdentity(link: room.listenLink, name: "Ear"), media: MediaIO(perSpeakerDirectory: folder))
            #expect(listener.events.wait { $0.contains { $0.name == "joined" } })
            // The far voice starts once the near speaker sends (below), from its first word,
            // whatever the joins' and keys' timing: a member cannot open what was sent before it
            // held the room's keys, so a voice sent from the far speaker's own keys on reached
            // the near speaker cut by up to 2 s, and the canceller learnt from other speech.
            let farVoice = try GatedSource(path: far.path, loop: true)
            let farSpeaker = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Far"), media: MediaIO(source: farVoice))
            #expect(farSpeaker.events.wait { $0.contains { $0.name == "joined" } })
            let path = EchoPath(room: SimulatedRoom(), near: nearSpeech)
            let engine = AudioEngine(capture: path.microphone, playback: path.loudspeaker, frameSamples: frame)
            let near = try TestMember.join(RoomIdentity(link: room.speakLink, name: "Near"), media: MediaIO(engine: engine), capture: capture)
            #expect(near.events.wait { $0.contains { $0.name == "joined" } })
            rooms.append((name, path, engine, near, farVoice, [near, farSpeaker, listener, host]))
        }
        for room in rooms { try room.engine.start() }
        // The capture chain runs once the near speaker sends (it has its keys): the far speech
        // starts then, from its first word, the near voice 6 s after, and the listener's file
        // starts with that first frame sent.
        let deadline = Date().addingTimeInterval(10)
        while sendingFrom.count < rooms.count, Date() < deadline {
            for room in rooms where sendingFrom[room.name] == nil && room.near.client.statistics.media.packetsSent > 0 {
                room.far.open()
                sendingFrom[room.name] = room.path.framesCaptured
                voiceFrom[room.name] = room.path.startVoice(after: leadFrames)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        try #require(sendingFrom.count == rooms.count, "a near speaker never sent")
        try await Task.sleep(for: .seconds(Double(leadFrames * frame + nearSpeech.count) / 48_000 + 1.5))
        for room in rooms {
            room.engine.stop()
            for member in room.members { member.client.stop() }
        }

        var erle: [String: Double] = [:], doubleTalk: [String: Double] = [:]
        let reference = dir.path("near.wav")
        try writeWAV(nearSpeech, to: reference)
        for room in rooms {
            let folder = dir.path("heard-\(room.name)")
            let voice = voiceFrom[room.name]!, sending = sendingFrom[room.name]!
            print("echo path \(room.name): \(room.path.summary)")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            let file = try #require(files.first { $0.contains(room.near.id.text) }, "no file for the near speaker in \(files)")
            let heard = try WAVReader(path: folder + "/" + file).samples
            // The stream starts with the near speaker's first frame sent: it anchors that
            // captured frame in the file, within a frame or two.
            let first = try #require(heard.firstIndex { $0 != 0 }, "the near speaker was never heard")
            let anchor = first / frame
            let powers = stride(from: 0, to: heard.count - frame + 1, by: frame).map { start in
                heard[start..<start + frame].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(frame)
            }
            // 3 s of echo alone, ending half a second before the voice: capture seconds 2.5–5.5.
            let echoAlone = powers[min(powers.count, anchor + voice - sending - 175)..<min(powers.count, anchor + voice - sending - 25)]
            let echoIn = room.path.echo(frames: (voice - 175)..<(voice - 25), frameSamples: frame)
            let inPower = echoIn.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(echoIn.count, 1))
            let outPower = echoAlone.reduce(0, +) / Double(max(echoAlone.count, 1))
            erle[room.name] = 10 * log10(inPower / max(outPower, 1e-3))
            let talk = dir.path("talk-\(room.name).wav")
            try writeWAV(Array(heard[min(heard.count, (anchor + voice - sending - 25) * frame)...]), to: talk)
            doubleTalk[room.name] = try SpeechScore.pesq(reference: reference, degraded: talk, maxLagSeconds: 2)
        }
        print(String(format: "echo at the listener: ERLE %.1f dB with the chain, %.1f dB without echo cancellation; double talk PESQ-WB %.2f with, %.2f without",
                     erle["on"]!, erle["off"]!, doubleTalk["on"]!, doubleTalk["off"]!))
        #expect(erle["on"]! >= 29, "ERLE \(erle["on"]!) dB at the listener")
        #expect(erle["off"]! < 3, "without echo cancellation the echo reaches the listener: \(erle["off"]!) dB")
        #expect(doubleTalk["on"]! >= 2.2, "double talk \(doubleTalk["on"]!) with the chain")
        #expect(doubleTalk["on"]! >= doubleTalk["off"]! + 0.8, "double talk \(doubleTalk["on"]!) with the chain, \(doubleTalk["off"]!) without")
    }
}
