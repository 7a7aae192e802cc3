// swift-tools-version:6.0
// Fuzz targets for Parlor's decoders, one libFuzzer executable each. A separate package so that
// the main build never links libFuzzer. Each target's main.swift hands its test function to
// libFuzzer's driver; build with `-sanitize=fuzzer,address` (see `make fuzz` in the top-level
// Makefile). The library targets are symbolic links to the real sources.
import PackageDescription

let package = Package(
    name: "ParlorFuzz",
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium"),
        .target(name: "ParlorCrypto", dependencies: ["CSodium"]),
        .target(name: "ParlorProtocol", dependencies: ["ParlorCrypto"]),
        .target(name: "CFuzzer"),
        .executableTarget(name: "FuzzInviteLink", dependencies: ["CFuzzer", "ParlorProtocol"]),
        .executableTarget(name: "FuzzControlMessage", dependencies: ["CFuzzer", "ParlorProtocol"]),
        .executableTarget(name: "FuzzMediaDatagram", dependencies: ["CFuzzer", "ParlorProtocol"]),
        .executableTarget(name: "FuzzSFrameHeader", dependencies: ["CFuzzer", "ParlorCrypto"]),
        .executableTarget(name: "FuzzFrameAuthentication", dependencies: ["CFuzzer", "ParlorCrypto"]),
    ]
)
