// swift-tools-version:6.0
// Parlor: a terminal audio-room client and the blind relay it talks to.
// The module layout follows docs/ARCHITECTURE.md: C libraries at the bottom, pure logic in
// the middle, the I/O edges thin, and one executable whose subcommands only delegate.
import PackageDescription

let package = Package(
    name: "Parlor",
    products: [
        .executable(name: "parlor", targets: ["parlor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // The C libraries, each behind a shim header (see the shims for what each adds).
        .systemLibrary(name: "CNCurses", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // Speex's echo canceller and preprocessor (noise suppression, gain, dereverberation), Mumble's choice.
        .systemLibrary(name: "CSpeexDSP", pkgConfig: "speexdsp", providers: [.apt(["libspeexdsp-dev"])]),
        // WebRTC's audio processing (0.3, as PulseAudio's echo-cancel module uses it), for its noise
        // suppressor; C++, so Swift reaches it through CNoiseSuppression's C API.
        .systemLibrary(name: "CWebRTCAudioProcessing", pkgConfig: "webrtc-audio-processing",
                       providers: [.apt(["libwebrtc-audio-processing-dev"])]),
        // Ogg Opus recordings: libopusenc for the mix, libogg for frames kept as received.
        .systemLibrary(name: "COggOpus", pkgConfig: "libopusenc", providers: [.apt(["libopusenc-dev", "libogg-dev"])]),
        // The NATS C client, for relays that share rooms over a NATS cluster.
        .systemLibrary(name: "CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),

        // Pure logic: no sockets, no devices, no terminal.
        .target(name: "ParlorCrypto", dependencies: ["CSodium"]),
        .target(name: "ParlorProtocol", dependencies: ["ParlorCrypto"]),

        // The edges.
        .target(name: "CNoiseSuppression", dependencies: ["CWebRTCAudioProcessing"]),
        .target(name: "ParlorAudio", dependencies: ["CALSA", "COpus", "COggOpus", "CSpeexDSP", "CNoiseSuppression"]),

        // Batched UDP I/O (sendmmsg for the relay's fan-out, recvmmsg with arrival times for its benchmark).
        .target(name: "CDatagramBatch"),
        // glibc's malloc_trim, for a relay whose last session has gone.
        .target(name: "CMemory"),

        // The blind relay: SwiftNIO, one process, no database.
        .target(name: "ParlorServer", dependencies: [
            "ParlorProtocol", "ParlorCrypto", "CDatagramBatch", "CMemory", "CNATS",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // The room client: session, roster, roles, keys, media; typed events for every face.
        .target(name: "ParlorClient", dependencies: ["ParlorCrypto", "ParlorProtocol", "ParlorAudio"]),

        // The terminal face: model–update–view over the room client's events; ncurses only draws.
        .target(name: "ParlorTUI", dependencies: [
            "CNCurses", "ParlorClient", "ParlorProtocol", "ParlorAudio", "ParlorCrypto", .product(name: "TOMLKit", package: "TOMLKit"),
        ]),

        // Counts one thread's heap allocations for `parlor bench audio` (interposes malloc).
        .target(name: "CAllocationCounter"),

        // What the subcommands run.
        .target(name: "ParlorApp", dependencies: [
            "ParlorCrypto", "ParlorProtocol", "ParlorAudio", "ParlorTUI", "ParlorServer", "ParlorClient",
        ]),
        // The benchmarks, the soak and the attack campaigns (`parlor bench …`), with the bench client
        // they drive the relay through.
        .target(name: "ParlorBench", dependencies: [
            "ParlorCrypto", "ParlorProtocol", "ParlorAudio", "ParlorServer", "ParlorClient", "CSodium",
            "CAllocationCounter", "CDatagramBatch",
        ]),
        .executableTarget(name: "parlor", dependencies: [
            "ParlorApp", "ParlorBench", "ParlorAudio",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers every test suite shares: hermetic ALSA devices, a tmux driver, speech fixtures.
        .target(name: "ParlorTestSupport", dependencies: ["ParlorAudio"], path: "Tests/ParlorTestSupport"),
        .testTarget(name: "ParlorCryptoTests", dependencies: ["ParlorCrypto", "ParlorProtocol"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ParlorProtocolTests", dependencies: ["ParlorProtocol", "ParlorCrypto"]),
        .testTarget(name: "ParlorAudioTests", dependencies: ["ParlorAudio", "ParlorTestSupport"]),
        .testTarget(name: "ParlorTUITests", dependencies: ["ParlorTUI", "ParlorClient", "ParlorCrypto", "ParlorTestSupport"]),
        .testTarget(name: "ParlorServerTests", dependencies: [
            "ParlorServer", "ParlorBench", "ParlorTestSupport",
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "ParlorClientTests", dependencies: [
            "ParlorClient", "ParlorServer", "ParlorBench", "ParlorTestSupport",
        ]),
        .testTarget(name: "ParlorAppTests", dependencies: [
            "ParlorApp", "ParlorBench", "ParlorClient", "ParlorServer", "ParlorTestSupport",
        ]),
    ]
)
