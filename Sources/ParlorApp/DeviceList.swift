import ParlorAudio

/// `parlor devices`: the ALSA capture and playback devices by name, `default` first, or one
/// clear line when there is no sound card.
public enum DeviceList {
    /// The text `parlor devices` prints.
    public static func text(devices: [AudioDeviceInfo] = ALSA.devices(), cards: [(index: Int32, name: String)] = ALSA.cards()) -> String {
        var lines: [String] = []
        if cards.isEmpty {
            lines.append("no sound card found: Parlor will run with a silent device")
        } else {
            lines.append("sound cards: " + cards.map { "\($0.index): \($0.name)" }.joined(separator: ", "))
        }
        for (title, wanted) in [("capture devices:", \AudioDeviceInfo.canCapture), ("playback devices:", \AudioDeviceInfo.canPlay)] {
            let named = devices.filter { $0[keyPath: wanted] }
            lines.append(title)
            if named.isEmpty { lines.append("  (none)") }
            for device in named {
                lines.append("  \(device.name)" + (device.description.isEmpty ? "" : "  — \(device.description)"))
            }
        }
        return lines.joined(separator: "\n")
    }
}
