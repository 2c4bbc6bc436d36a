// swift-tools-version:6.1
import PackageDescription

// A nested package so that `swift build` / `swift test` of stet never build the benchmark.
let package = Package(
    name: "stet-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "stet-bench",
            dependencies: [.product(name: "StetCRDT", package: "main")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ]
)
