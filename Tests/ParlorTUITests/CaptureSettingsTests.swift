import ParlorAudio
import ParlorTUI
import Testing

/// The capture chain's switches in config.toml, and what the status line says of them.
@Suite struct CaptureSettingsTests {
    @Test func configTurnsEachPartOffAndRefusesWrongTypes() throws {
        #expect(try FaceSettings.parse("", source: "t").capture == CaptureProcessor.Settings())
        let off = try FaceSettings.parse("echo_cancel = false\nnoise_suppression = false\nagc = false", source: "t").capture
        #expect(off == CaptureProcessor.Settings(echoCancellation: false, noiseSuppression: false, automaticGain: false))
        #expect(try FaceSettings.parse("agc = false", source: "t").capture == CaptureProcessor.Settings(automaticGain: false))
        #expect(throws: FaceSettings.ParseError.self) { try FaceSettings.parse("echo_cancel = \"off\"", source: "t") }
        #expect(throws: FaceSettings.ParseError.self) { try FaceSettings.parse("echo_cancellation = false", source: "t") }
    }

    /// A part runs only if neither the command line nor the config file turns it off.
    @Test func eitherSwitchTurnsAPartOff() {
        let commandLine = CaptureProcessor.Settings(echoCancellation: false)
        let config = CaptureProcessor.Settings(automaticGain: false)
        #expect(commandLine.restricted(by: config) == CaptureProcessor.Settings(echoCancellation: false, automaticGain: false))
        #expect(commandLine.restricted(by: config).summary == "AEC off NS AGC off")
    }
}
