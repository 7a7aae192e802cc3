import ArgumentParser
import ParlorBench

extension Parlor {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure what Parlor's parts cost on this machine.",
            subcommands: [Audio.self, Relay.self, Cluster.self, Churn.self, Soak.self, Keeper.self, Sendmmsg.self])

        struct Audio: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "CPU per 20 ms frame of the audio path, and its allocations.",
                discussion: """
                    Prints the CPU time per 20 ms frame of Opus encode and decode, the jitter \
                    buffer, a mix of 4 speakers and ChaCha20-Poly1305; the whole client path \
                    (1 encode + 4 decodes + jitter buffers + mix + crypto) against libopus's own \
                    1 encode + 4 decodes measured in the same run; heap allocations per frame \
                    on that path, counted by interposing malloc; and what speaker signatures over \
                    frames cost: the bytes a frame carries, signing and verifying per frame. \
                    Build with -c release for figures that mean something.

                    Example:
                      parlor bench audio --frames 5000 --json
                    """)

            @Option(help: "Frames of 20 ms to measure each part over.")
            var frames = 2_000

            @Flag(help: "Print JSON instead of text.")
            var json = false

            @Option(help: "Also write the client path's mix to this WAV file.")
            var wav: String?

            func validate() throws {
                guard frames > 0 else { throw ValidationError("--frames must be at least 1") }
            }

            func run() throws {
                let report = try AudioBenchmark.run(frames: frames, wavPath: wav)
                print(json ? report.json : report.text)
            }
        }
    }
}
