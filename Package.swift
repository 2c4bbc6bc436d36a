// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "stet",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "StetCRDT", targets: ["StetCRDT"]),
        .library(name: "StetText", targets: ["StetText"]),
        .library(name: "StetEditor", targets: ["StetEditor"]),
        .library(name: "StetApp", targets: ["StetApp"]),
        .library(name: "StetSync", targets: ["StetSync"]),
        .library(name: "StetNet", targets: ["StetNet"]),
        .executable(name: "stet", targets: ["stet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Yjs v13 compatible CRDT core. Standard library only.
        .target(
            name: "StetCRDT",
            swiftSettings: [
                .define("STET_INVARIANTS", .when(configuration: .debug)),
                // Document state has one synchronous owner; dynamic exclusivity checks on the
                // item arrays cost ~10% of replay time and protect nothing here.
                .unsafeFlags(["-enforce-exclusivity=unchecked"]),
            ]
        ),
        // Text model for the editor: rope / line index with UTF-8, UTF-16, scalar, grapheme and
        // line metrics, and terminal display width. Standard library only.
        .target(
            name: "StetText",
            swiftSettings: [.define("STET_INVARIANTS", .when(configuration: .debug))]
        ),
        // The editor as a value: buffer over the CRDT text, cursors, keymap, commands, and the
        // `Frame` of styled cells it shows. Pure: no terminal, no files, no clock of its own.
        .target(
            name: "StetEditor",
            dependencies: ["StetCRDT", "StetText"],
            swiftSettings: [.define("STET_INVARIANTS", .when(configuration: .debug))]
        ),
        // C shim over ncursesw (macros, globals, async-signal-safe terminal restore).
        .target(name: "CNcurses", linkerSettings: [.linkedLibrary("ncursesw")]),
        // The only importer of ncurses: decodes input into editor events, draws frames.
        .target(name: "StetTerminal", dependencies: ["StetEditor", "CNcurses"]),
        // Files and the document store beside them: atomic saves, the update log.
        .target(name: "StetStore", dependencies: ["StetCRDT"]),
        // y-protocols sync and awareness as per-peer state machines (bytes in, bytes out), the
        // Transport protocol, an in-memory transport, presence. No I/O.
        .target(name: "StetSync", dependencies: ["StetCRDT"]),
        // The only importer of SwiftNIO (and NIOSSL): WebSocket client/server (ws:// and wss://),
        // Unix socket, stdio and process transports.
        .target(
            name: "StetNet",
            dependencies: [
                "StetSync",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // A running session without a terminal: file + store + document + editor; performs
        // the editor's effects (save, quit), keeps the store durable, merges disk changes.
        .target(name: "StetApp", dependencies: ["StetCRDT", "StetText", "StetEditor", "StetStore", "StetSync"]),
        // Command-line front end: argument parsing and wiring only.
        .executableTarget(
            name: "stet",
            dependencies: [
                "StetCRDT", "StetText", "StetEditor", "StetTerminal", "StetStore", "StetApp", "StetSync", "StetNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "StetCRDTTests",
            dependencies: ["StetCRDT"],
            resources: [.copy("Vectors"), .copy("Fixtures")]
        ),
        .testTarget(name: "StetTextTests", dependencies: ["StetText"]),
        .testTarget(name: "StetEditorTests", dependencies: ["StetEditor", "StetCRDT", "StetText"]),
        .testTarget(name: "StetTerminalTests", dependencies: ["StetTerminal", "StetEditor"]),
        .testTarget(name: "StetStoreTests", dependencies: ["StetStore", "StetCRDT"]),
        .testTarget(name: "StetSyncTests", dependencies: ["StetSync", "StetCRDT"]),
        .testTarget(name: "StetNetTests", dependencies: ["StetNet", "StetSync", "StetCRDT"]),
        .testTarget(name: "StetAppTests", dependencies: ["StetApp", "StetEditor", "StetStore", "StetCRDT", "StetSync"]),
        // Drives the real `stet` binary inside tmux, like a user.
        .testTarget(name: "StetE2ETests", dependencies: []),
        // Runs the built `stet` binary as a subprocess (found next to the test bundle, or via
        // $STET_BINARY) on the vectors in Tests/StetCRDTTests/Vectors, read in place.
        .testTarget(
            name: "StetCLITests",
            dependencies: ["StetCRDT"]
        ),
    ]
)
