// swift-tools-version:6.1
import PackageDescription

// A nested package so that `swift build` / `swift test` of stet never build the benchmark.
//
//   swift run -c release --package-path Benchmarks stet-bench --traces ../shared/traces [--compare]
//   swift run -c release --package-path Benchmarks stet-editor-bench [--stet PATH]
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
                "MallocShim",
            ]
        ),
    ]
)
