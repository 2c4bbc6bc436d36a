import StetText
import XCTest

final class GraphemeTests: XCTestCase {
    /// Walks forward and back over every cluster boundary and compares with `Character`s.
    func assertWalk(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let rope = Rope(text)
        var expected = [0]
        for ch in text { expected.append(expected.last! + ch.utf8.count) }
        var forward = [0]
        var p = UTF8Offset(0)
        while let n = rope.graphemeBoundary(after: p) { forward.append(n.value); p = n }
        XCTAssertEqual(forward, expected, "forward", file: file, line: line)
        var backward = [rope.utf8Count]
        p = UTF8Offset(rope.utf8Count)
        while let b = rope.graphemeBoundary(before: p) { backward.append(b.value); p = b }
        XCTAssertEqual(backward.reversed(), expected, "backward", file: file, line: line)
    }

    func testMovementOverKnownClusters() {
        assertWalk("")
        assertWalk("abc")
        assertWalk("e\u{301}x")
        assertWalk("a\r\nb\nc\r\r\n")
        assertWalk("👨‍👩‍👧‍👦👍🏽🇩🇪🇫🇷🇺x")
        assertWalk("🏳️‍🌈1️⃣❤️☝🏻")
        assertWalk("한\u{1100}\u{1161}\u{11A8}글")
        assertWalk("\u{301}\u{302}a")
        assertWalk("ก\u{E31}นदि\u{94D}क्षि")
        assertWalk("\t\u{1}\u{200B}\u{FEFF}x")
    }

    func testMovementAcrossChunksInLongText() {
        // Clusters straddling chunk boundaries, long lines without sure boundaries, many lines.
        var s = ""
        for i in 0..<4000 {
            s += ["👨‍👩‍👧", "e\u{301}", "中文", "🇩🇪", "\r\n", "x", "привет", "\u{301}"][i % 8]
        }
        assertWalk(s)
        assertWalk(String(repeating: "привет мир ", count: 600))  // Cyrillic: a long line without sure boundaries
    }

    func testOffsetsInsideClusters() {
        let rope = Rope("a👨‍👩‍👧b")
        let family = "👨‍👩‍👧".utf8.count
        // From inside the family, next is its end and previous its start.
        XCTAssertEqual(rope.graphemeBoundary(after: UTF8Offset(5)), UTF8Offset(1 + family))
        XCTAssertEqual(rope.graphemeBoundary(before: UTF8Offset(5)), UTF8Offset(1))
        XCTAssertFalse(rope.isGraphemeBoundary(UTF8Offset(5)))
        XCTAssertFalse(rope.isGraphemeBoundary(UTF8Offset(2)))   // inside a scalar
        XCTAssertTrue(rope.isGraphemeBoundary(UTF8Offset(1)))
        XCTAssertTrue(rope.isGraphemeBoundary(UTF8Offset(0)))
        XCTAssertTrue(rope.isGraphemeBoundary(UTF8Offset(rope.utf8Count)))
        XCTAssertEqual(rope.grapheme(at: UTF8Offset(6)), "👨‍👩‍👧")
        XCTAssertEqual(rope.grapheme(at: ScalarOffset(0)), "a")
        XCTAssertNil(rope.grapheme(at: UTF8Offset(rope.utf8Count)))
        XCTAssertEqual(rope.graphemeRange(containing: UTF16Offset(3)), UTF16Offset(1)..<UTF16Offset(9))
        XCTAssertEqual(rope.graphemeBoundary(after: UTF16Offset(1)), UTF16Offset(9))
        XCTAssertEqual(rope.graphemeBoundary(before: UTF16Offset(10)), UTF16Offset(9))
        XCTAssertEqual(rope.graphemeCount(in: UTF8Offset(0)..<UTF8Offset(rope.utf8Count)), 3)
        XCTAssertEqual(rope.graphemeCount(in: ScalarOffset(0)..<ScalarOffset(2)), 1)  // ends inside the family: counted up to its start
        // "\r\n" is one cluster: no stop between the two.
        let crlf = Rope("a\r\nb")
        XCTAssertEqual(crlf.graphemeBoundary(after: UTF8Offset(1)), UTF8Offset(3))
        XCTAssertEqual(crlf.graphemeBoundary(before: UTF8Offset(3)), UTF8Offset(1))
        XCTAssertFalse(crlf.isGraphemeBoundary(UTF8Offset(2)))
    }
}
