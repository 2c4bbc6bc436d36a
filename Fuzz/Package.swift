// swift-tools-version:6.1
// libFuzzer target for StetCRDT's decoders and update application.
// Nested package: `swift build` / `swift test` of the root never build it.
// Build and run it with `scripts/fuzz` (see Fuzz/README.md).
import PackageDescription
import Foundation

// Optional APIs are detected from the root package's sources, so the fuzzer keeps building
// while they are being added and starts covering them as soon as they land.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
func sourcesMention(_ needles: [String]) -> Bool {
    let dir = root.appendingPathComponent("Sources/StetCRDT")
    guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return false }
    for case let url as URL in e where url.pathExtension == "swift" {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
        if needles.allSatisfy({ text.contains($0) }) { return true }
    }
    return false
}
var defines: [SwiftSetting] = [.define("STET_FUZZ_TARGET")]
if sourcesMention(["func decode(_ bytes: [UInt8]) throws -> RelativePosition"]) {
    defines.append(.define("STET_FUZZ_RELPOS"))
}

let package = Package(
    name: "StetFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "stet", path: "..")],
    targets: [
        // Built only with `swift build --sanitize=fuzzer`: the file defines LLVMFuzzerTestOneInput
        // and libFuzzer supplies main.
        .executableTarget(
            name: "StetFuzz",
            dependencies: [.product(name: "StetCRDT", package: "stet")],
            swiftSettings: defines
        ),
    ]
)
