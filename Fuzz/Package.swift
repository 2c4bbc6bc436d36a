// swift-tools-version:6.1
// libFuzzer target for StetCRDT's decoders and update application.
// Nested package: `swift build` / `swift test` of the root never build it.
// Build and run it with `scripts/fuzz` (see Fuzz/README.md).
import PackageDescription

let package = Package(
    name: "StetFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "stet", path: "..")],
    targets: [
        // Built only with `swift build --sanitize=fuzzer`: Entry.swift defines
        // LLVMFuzzerTestOneInput and libFuzzer supplies main. FuzzHarness.swift is a symlink to
        // Tests/StetCRDTTests/FuzzRegressionTests.swift; STET_FUZZ_TARGET hides its XCTest part.
        .executableTarget(
            name: "StetFuzz",
            dependencies: [.product(name: "StetCRDT", package: "stet")],
            swiftSettings: [.define("STET_FUZZ_TARGET")]
        ),
    ]
)
