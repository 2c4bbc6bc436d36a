import StetText
import XCTest

final class OffsetTests: XCTestCase {
    func testTypedOffsets() {
        let a = UTF16Offset(3)
        XCTAssertEqual(a + 2, UTF16Offset(5))
        XCTAssertEqual(a - 1, UTF16Offset(2))
        XCTAssertEqual(a.distance(to: UTF16Offset(10)), 7)
        XCTAssertEqual(a.advanced(by: 4), UTF16Offset(7))
        XCTAssertLessThan(UTF8Offset(1), UTF8Offset(2))
        XCTAssertEqual(ScalarOffset.zero, ScalarOffset(0))
        XCTAssertEqual(UTF16Offset.unit, .utf16)
        XCTAssertEqual(a.description, "utf16:3")
        XCTAssertEqual(Line(2) + 1, Line(3))
        XCTAssertEqual(Column(4) - 1, Column(3))
        XCTAssertEqual(LinePosition(line: Line(1), inLine: UTF16Offset(2)).description, "1:utf16:2")
    }

    func testConversionsOnKnownText() {
        // "a" 1/1/1, "é" 2/1/1, "中" 3/1/1, "😀" 4/2/1, "\r\n" 2/2/2
        let r = Rope("aé中😀\r\nx")
        XCTAssertEqual(r.utf8Count, 13)
        XCTAssertEqual(r.utf16Count, 8)
        XCTAssertEqual(r.scalarCount, 7)
        XCTAssertEqual(r.lineCount, 2)
        XCTAssertEqual(r.utf16Offset(of: UTF8Offset(6)), UTF16Offset(3))
        XCTAssertEqual(r.utf8Offset(of: UTF16Offset(5)), UTF8Offset(10))
        XCTAssertEqual(r.utf8Offset(of: UTF16Offset(4)), UTF8Offset(6))  // between the surrogates: rounds down
        XCTAssertEqual(r.scalarOffset(of: UTF8Offset(8)), ScalarOffset(3))  // inside 😀
        XCTAssertEqual(r.roundedToScalar(UTF8Offset(2)), UTF8Offset(1))
        XCTAssertEqual(r.convert(ScalarOffset(4), to: UTF16Offset.self), UTF16Offset(5))
        XCTAssertEqual(r.linePosition(of: UTF16Offset(8)), LinePosition(line: Line(1), inLine: UTF16Offset(1)))
        XCTAssertEqual(r.offset(of: LinePosition(line: Line(0), inLine: UTF16Offset(99))), UTF16Offset(5))
        XCTAssertEqual(r.lineEnd(Line(0), as: UTF16Offset.self), UTF16Offset(5))
        XCTAssertEqual(r.lineRange(Line(0), includingBreak: true, as: UTF16Offset.self), UTF16Offset(0)..<UTF16Offset(7))
        XCTAssertEqual(r.summary(upTo: UTF8Offset(13)), TextSummary(utf8: 13, utf16: 8, scalars: 7, newlines: 1))
        XCTAssertEqual(TextSummary("a\n😀"), TextSummary(utf8: 6, utf16: 4, scalars: 3, newlines: 1))
    }

    func testPersistence() {
        let a = Rope(String(repeating: "0123456789\n", count: 5000))
        var b = a
        b.insert("X", at: UTF8Offset(30_000))
        b.delete(UTF8Offset(0)..<UTF8Offset(100))
        XCTAssertEqual(a.utf8Count, 55_000)
        XCTAssertEqual(a.string, String(repeating: "0123456789\n", count: 5000))
        XCTAssertEqual(b.utf8Count, 54_901)
        let s = a.slice(UTF8Offset(11)..<UTF8Offset(33))
        XCTAssertEqual(s.string, "0123456789\n0123456789\n")
        XCTAssertEqual(a.utf8Count, 55_000)
    }
}
