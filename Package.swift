// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "stet",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "StetCRDT", targets: ["StetCRDT"]),
        .executable(name: "stet", targets: ["stet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Yjs v13 compatible CRDT core. Standard library only.
        .target(
            name: "StetCRDT",
            swiftSettings: [.define("STET_INVARIANTS", .when(configuration: .debug))]
        ),
        // Command-line front end: argument parsing and wiring only.
        .executableTarget(
            name: "stet",
            dependencies: [
                "StetCRDT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "StetCRDTTests",
            dependencies: ["StetCRDT"],
            resources: [.copy("Vectors"), .copy("Fixtures")]
        ),
    ]
)
