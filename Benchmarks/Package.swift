// swift-tools-version:6.1
import PackageDescription

// A nested package so that `swift build` / `swift test` of stet never build the benchmark.
//
//   swift run -c release --package-path Benchmarks stet-bench --traces ../shared/traces [--compare]
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
    ]
)
