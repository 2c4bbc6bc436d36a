// swift-tools-version:6.1
import PackageDescription

// A nested package so that `swift build` / `swift test` of stet never build the benchmark.
//
//   swift run -c release --package-path Benchmarks stet-bench --traces ../shared/traces [--compare]
//   swift run -c release --package-path Benchmarks stet-editor-bench [--stet PATH]
//   swift run -c release --package-path Benchmarks stet-collab-bench [--stet PATH]
//
// See Benchmarks/README.md.
let package = Package(
    name: "stet-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        // glibc's malloc_trim / mallinfo2 are declared in <malloc.h>, which the Glibc module
        // does not export: the memory measurement needs them to report live bytes honestly.
        .target(name: "MallocShim"),
        // What the benchmark executables share: the deterministic ~10 MB text both editor
        // benchmarks open and sync, tables, formatting, percentiles, files.
        .target(name: "BenchSupport"),
        .executableTarget(
            name: "stet-bench",
            dependencies: [
                .product(name: "StetCRDT", package: "main"),
                "MallocShim",
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        // Opening a 10 MB file, keystroke-to-frame latency and memory of the editor
        // (StetApp.Session), and vim/nano/the real `stet` binary in tmux for comparison.
        // Plain -O (not -Ounchecked): it times the libraries, this target only measures.
        .executableTarget(
            name: "stet-editor-bench",
            dependencies: [
                .product(name: "StetApp", package: "main"),
                .product(name: "StetEditor", package: "main"),
                .product(name: "StetCRDT", package: "main"),
                .product(name: "StetText", package: "main"),
                "MallocShim", "BenchSupport",
            ]
        ),
        // Collaboration: keystroke on one editor to the updated frame on another (WebSocket
        // through a relay, Unix socket pairing), `stet serve` fan-out with 200 clients and
        // its CPU, initial sync of a 10 MB document. Swift 5 mode: it shares plain classes
        // between owner threads and NIO threads by hand, as the app does.
        .executableTarget(
            name: "stet-collab-bench",
            dependencies: [
                .product(name: "StetApp", package: "main"),
                .product(name: "StetEditor", package: "main"),
                .product(name: "StetCRDT", package: "main"),
                .product(name: "StetSync", package: "main"),
                .product(name: "StetNet", package: "main"),
                "BenchSupport",
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
