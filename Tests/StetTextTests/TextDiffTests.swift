import StetText
import XCTest

final class TextDiffTests: XCTestCase {
    func apply(_ old: String, _ reps: [TextReplacement]) -> String {
        var bytes = Array(old.utf8)
        for r in reps.reversed() { bytes.replaceSubrange(r.range.lowerBound.value..<r.range.upperBound.value, with: Array(r.text.utf8)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    func testSmallEditsStaySmall() {
        let old = "a\nb\nc\nd\ne\n"
        let new = "a\nB\nc\nd\ne\nf\n"
        let reps = TextDiff.replacements(from: old, to: new)
        XCTAssertEqual(apply(old, reps), new)
        XCTAssertEqual(reps, [TextReplacement(range: UTF8Offset(2)..<UTF8Offset(4), text: "B\n"), TextReplacement(range: UTF8Offset(10)..<UTF8Offset(10), text: "f\n")])
        XCTAssertEqual(TextDiff.replacements(from: old, to: old), [])
    }

    func testRandomTextsRoundTrip() {
        let seed = UInt64(ProcessInfo.processInfo.environment["STET_SEED"] ?? "") ?? UInt64.random(in: 0...UInt64.max)
        print("TextDiffTests seed: \(seed)")
        var rng = Gen(seed)
        let words = ["x\n", "y\n", "z", "é\n", "漢", "\r\n", "\n", "👨‍👩‍👧"]
        for _ in 0..<300 {
            let old = (0..<Int(rng.next() % 30)).map { _ in words[Int(rng.next() % 8)] }.joined()
            let new = (0..<Int(rng.next() % 30)).map { _ in words[Int(rng.next() % 8)] }.joined()
            let reps = TextDiff.replacements(from: old, to: new)
            XCTAssertEqual(apply(old, reps), new, "seed \(seed): \(old.debugDescription) → \(new.debugDescription)")
            // Ascending, non-overlapping, on scalar boundaries of the old text.
            for (x, y) in zip(reps, reps.dropFirst()) { XCTAssertLessThanOrEqual(x.range.upperBound, y.range.lowerBound) }
        }
    }

    struct Gen {
        var s: UInt64
        init(_ seed: UInt64) { s = seed }
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            return z ^ (z >> 31)
        }
    }
}
