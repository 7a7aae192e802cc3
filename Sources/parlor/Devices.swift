import ArgumentParser
import ParlorApp

extension Parlor {
    struct Devices: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the sound devices Parlor can capture from and play to, by name.",
            discussion: """
                Prints the ALSA capture and playback devices by the names Parlor's settings take, \
                `default` first when it exists. Without a sound card it says so: Parlor then runs \
                with a silent device.

                Example:
                  parlor devices
                """)

        func run() throws {
            print(DeviceList.text())
        }
    }
}
