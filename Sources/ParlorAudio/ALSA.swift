import CALSA
import Glibc

/// The alsa-lib that is loaded, and what it can see.
public enum ALSA {
    /// For example "1.2.8".
    public static var version: String { String(cString: snd_asoundlib_version()) }

    /// Stops alsa-lib from printing its own error lines to stderr; Parlor reports errors itself.
    public static func silenceErrors() { calsa_silence_errors() }

    /// The sound cards the kernel has, by number and name (empty without /dev/snd).
    public static func cards() -> [(index: Int32, name: String)] {
        var result: [(Int32, String)] = []
        var card: Int32 = -1
        while snd_card_next(&card) == 0, card >= 0 {
            var name: UnsafeMutablePointer<CChar>?
            if snd_card_get_name(card, &name) == 0, let name {
                result.append((card, String(cString: name)))
                free(name)
            } else {
                result.append((card, "card \(card)"))
            }
        }
        return result
    }

    /// The PCM devices alsa-lib's configuration names, `default` first when it exists.
    /// `null` (the silent device) is left out: it is always there and never a sound card.
    public static func devices() -> [AudioDeviceInfo] {
        silenceErrors()
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) == 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var found: [AudioDeviceInfo] = []
        var i = 0
        while let hint = hints[i] {
            i += 1
            guard let name = hintField(hint, "NAME"), name != "null" else { continue }
            let description = (hintField(hint, "DESC") ?? "").split(separator: "\n").joined(separator: " — ")
            let io = hintField(hint, "IOID")
            found.append(AudioDeviceInfo(name: name, description: description,
                                         canCapture: io == nil || io == "Input",
                                         canPlay: io == nil || io == "Output"))
        }
        return found.filter { $0.name == "default" } + found.filter { $0.name != "default" }
    }

    private static func hintField(_ hint: UnsafeMutableRawPointer, _ field: String) -> String? {
        guard let value = snd_device_name_get_hint(hint, field) else { return nil }
        defer { free(value) }
        return String(cString: value)
    }
}

/// One named ALSA PCM device.
public struct AudioDeviceInfo: Sendable, Equatable {
    public let name: String
    public let description: String
    public let canCapture: Bool
    public let canPlay: Bool

    public init(name: String, description: String, canCapture: Bool, canPlay: Bool) {
        self.name = name
        self.description = description
        self.canCapture = canCapture
        self.canPlay = canPlay
    }
}
