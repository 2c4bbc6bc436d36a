@testable import StetText
import XCTest

/// The word-at-a-time counting and seeking inside a chunk, against byte-by-byte versions.
final class ScanTests: XCTestCase {
    func naiveSummary(_ b: ArraySlice<UInt8>) -> TextSummary {
        let s = String(decoding: b, as: UTF8.self)
        return TextSummary(utf8: b.count, utf16: s.utf16.count, scalars: s.unicodeScalars.count,
                           newlines: b.filter { $0 == 0x0A }.count)
    }

    func testCountsAndSeeksAgainstNaive() {
        for seed in testSeeds([3]) {
            print("ScanTests seed \(seed)")
            run(seed: seed)
        }
    }

    func run(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let alphabet: [String] = ["a", "\n", "é", "中", "😀", "\r\n", "\u{10FFFF}", "\u{7F}", "\u{80}", "\u{FFFF}", "\u{10000}"]
        for round in 0..<400 {
            var s = ""
            for _ in 0..<Int.random(in: 0...120, using: &rng) { s += alphabet.randomElement(using: &rng)! }
            let bytes = Array(s.utf8)
            let ctx = "seed \(seed) round \(round) \(s.debugDescription)"
            bytes.withUnsafeBufferPointer { b in
                XCTAssertEqual(TextSummary(utf8: b), naiveSummary(bytes[...]), ctx)
                // Scalar boundaries with their prefix summaries.
                var starts: [Int] = []
                var i = 0
                while i < bytes.count { starts.append(i); i += scalarLength(lead: bytes[i]) }
                starts.append(bytes.count)
                let prefixes = starts.map { naiveSummary(bytes[0..<$0]) }
                let total = prefixes.last!
                for target in 0...(total.utf8 + 1) {
                    let want = prefixes.last(where: { $0.utf8 <= target })!
                    XCTAssertEqual(scanPrefix(b, .utf8, target), want, "\(ctx) utf8 \(target)")
                }
                for target in 0...(total.utf16 + 1) {
                    let want = prefixes.last(where: { $0.utf16 <= target })!
                    XCTAssertEqual(scanPrefix(b, .utf16, target), want, "\(ctx) utf16 \(target)")
                }
                for target in 0...(total.scalars + 1) {
                    let want = prefixes.last(where: { $0.scalars <= target })!
                    XCTAssertEqual(scanPrefix(b, .scalars, target), want, "\(ctx) scalars \(target)")
                }
                for target in 0...total.newlines {
                    // Right after the target-th "\n".
                    let want = prefixes.first(where: { $0.newlines == target })!
                    XCTAssertEqual(scanPrefix(b, .newlines, target), want, "\(ctx) newlines \(target)")
                }
            }
            if testRun?.failureCount ?? 0 > 0 { return }
        }
    }

    func testValidator() {
        func valid(_ b: [UInt8]) -> Bool { b.withUnsafeBufferPointer { isValidUTF8($0) } }
        XCTAssertTrue(valid(Array("aé中😀".utf8)))
        XCTAssertFalse(valid([0xC0, 0x80]))        // overlong
        XCTAssertFalse(valid([0xED, 0xA0, 0x80]))  // surrogate
        XCTAssertFalse(valid([0xF4, 0x90, 0x80, 0x80]))  // past U+10FFFF
        XCTAssertFalse(valid([0xE4, 0xB8]))        // truncated
        XCTAssertFalse(valid([0x80]))
    }
}
