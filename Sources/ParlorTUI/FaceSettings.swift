import Foundation
import ParlorAudio
import TOMLKit

/// The terminal face's settings from `$XDG_CONFIG_HOME/parlor/config.toml` (keys have their own
/// file, keymap.toml):
///
///     bell = false   # no terminal bell when invited on stage, when your hand is taken,
///                    # or when someone raises a hand in the room you host (on by default)
///     echo_cancel = false        # no echo cancellation of what the speakers play (on by default)
///     noise_suppression = false  # no noise suppression on the microphone (on by default)
///     agc = false                # no automatic gain control on the microphone (on by default)
public struct FaceSettings: Equatable, Sendable {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let source: String
        public let message: String
        public var description: String { "config \(source): \(message)" }
    }

    /// Ring the terminal bell for what asks for the person's attention.
    public var bell = true
    /// The capture chain's parts this file leaves on (the command line's `--no-…` switches may
    /// turn more off).
    public var capture = CaptureProcessor.Settings()

    public init(bell: Bool = true, capture: CaptureProcessor.Settings = CaptureProcessor.Settings()) {
        self.bell = bell
        self.capture = capture
    }

    /// The settings in `text`; unknown names and wrong types are errors, so a typo is not ignored.
    public static func parse(_ text: String, source: String) throws(ParseError) -> FaceSettings {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw ParseError(source: source, message: "\(error)")
        }
        var settings = FaceSettings()
        for (name, value) in table {
            switch name {
            case "bell":
                guard let bell = value.bool else { throw ParseError(source: source, message: "bell must be true or false") }
                settings.bell = bell
            case "echo_cancel", "noise_suppression", "agc":
                guard let on = value.bool else { throw ParseError(source: source, message: "\(name) must be true or false") }
                switch name {
                case "echo_cancel": settings.capture.echoCancellation = on
                case "noise_suppression": settings.capture.noiseSuppression = on
                default: settings.capture.automaticGain = on
                }
            default:
                throw ParseError(source: source, message: "unknown setting \"\(name)\" (settings: bell, echo_cancel, noise_suppression, agc)")
            }
        }
        return settings
    }

    /// The user's settings file, or the defaults when there is none.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FaceSettings {
        let folder = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? "") + "/.config")
        let path = folder + "/parlor/config.toml"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return FaceSettings() }
        return try parse(text, source: path)
    }
}
