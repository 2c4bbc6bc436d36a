import StetText
import XCTest

final class LayoutTests: XCTestCase {
    /// Rows as strings with their widths, for compact assertions.
    func rows(_ text: String, width: Int, tab: Int = 4, words: Bool = false) -> [String] {
        let layout = LineLayout(text, tabWidth: tab, wrap: words ? .words(width: width) : .characters(width: width))
        let u = Array(text.utf8)
        return layout.rows.map { r in
            XCTAssertLessThanOrEqual(r.width, max(width, r.cells.map(\.width).max() ?? 0))
            return String(decoding: u[r.range.lowerBound.value..<r.range.upperBound.value], as: UTF8.self)
        }
    }

    func testCharacterWrap() {
        XCTAssertEqual(rows("", width: 5), [""])
        XCTAssertEqual(rows("abcdefghij", width: 5), ["abcde", "fghij"])
        XCTAssertEqual(rows("abcdefghijk", width: 5), ["abcde", "fghij", "k"])
        // A wide character that does not fit moves to the next row (leaving a gap).
        XCTAssertEqual(rows("abcd中ef", width: 5), ["abcd", "中ef"])
        XCTAssertEqual(rows("中中中", width: 5), ["中中", "中"])
        // Clusters are never split.
        XCTAssertEqual(rows("abcde\u{301}f", width: 5), ["abcde\u{301}", "f"])
        XCTAssertEqual(rows("abcd👨‍👩‍👧x", width: 5), ["abcd", "👨‍👩‍👧x"])
        XCTAssertEqual(rows("abcd🇩🇪", width: 5), ["abcd", "🇩🇪"])
        // A cluster wider than the row gets a row of its own.
        XCTAssertEqual(rows("a中b", width: 1), ["a", "中", "b"])
        // Controls are shown as stand-ins and wrap as one piece.
        XCTAssertEqual(rows("abcd\u{1}", width: 5), ["abcd", "\u{1}"])
    }

    func testTabsInWrappedRows() {
        // Tab stops count from the row's start; a tab crossing the wrap width is cut at it.
        let l = LineLayout("ab\tcd\tef", tabWidth: 4, wrap: .characters(width: 6))
        XCTAssertEqual(l.rows.count, 2)
        XCTAssertEqual(l.rows[0].cells.map(\.width), [1, 1, 2, 1, 1])
        XCTAssertEqual(l.rows[1].cells.map(\.width), [4, 1, 1])
        XCTAssertEqual(LineLayout("abcde\tx", tabWidth: 8, wrap: .characters(width: 6)).rows[0].cells.last!.width, 1)
        let unwrapped = LineLayout("ab\tcd\tef", tabWidth: 4)
        XCTAssertEqual(unwrapped.rows.count, 1)
        XCTAssertEqual(unwrapped.rows[0].cells.map(\.column.value), [0, 1, 2, 4, 5, 6, 8, 9])
        XCTAssertEqual(unwrapped.width, 10)
    }

    func testWordWrap() {
        XCTAssertEqual(rows("hello world foo", width: 8, words: true), ["hello ", "world ", "foo"])
        XCTAssertEqual(rows("a verylongword", width: 6, words: true), ["a ", "verylo", "ngword"])
        XCTAssertEqual(rows("日本語 テキスト", width: 8, words: true), ["日本語 ", "テキスト"])
    }

    func testColumnsAndOffsets() {
        let text = "a\t中e\u{301}😀\u{1}z"
        let l = LineLayout(text, start: UTF8Offset(100), tabWidth: 4)
        let cells = l.rows[0].cells
        XCTAssertEqual(cells.map(\.column.value), [0, 1, 4, 6, 7, 9, 11])
        XCTAssertEqual(cells.map(\.width), [1, 3, 2, 1, 2, 2, 1])
        XCTAssertEqual(cells[5].glyph, .control("^A"))
        XCTAssertEqual(cells[1].glyph, .tab)
        XCTAssertEqual(l.range, UTF8Offset(100)..<UTF8Offset(100 + text.utf8.count))
        // Offsets inside a cluster map to its column; columns inside a wide cell map to its start.
        let eAcute = cells[3].range
        XCTAssertEqual(l.column(of: eAcute.lowerBound + 1), Column(6))
        XCTAssertEqual(l.offset(row: 0, column: Column(5)), cells[2].range.lowerBound)
        XCTAssertEqual(l.offset(row: 0, column: Column(2)), cells[1].range.lowerBound)
        XCTAssertEqual(l.offset(row: 0, column: Column(12)), l.range.upperBound)
        XCTAssertEqual(l.offset(row: 0, column: Column(99)), l.range.upperBound)
        XCTAssertEqual(l.column(of: l.range.upperBound), Column(12))
    }

    func testWrappedPositions() {
        let l = LineLayout("abcdefgh", tabWidth: 4, wrap: .characters(width: 3))
        XCTAssertEqual(l.rows.count, 3)
        XCTAssertTrue(l.position(of: UTF8Offset(3)) == (1, Column(0)))  // a row boundary belongs to the later row
        XCTAssertTrue(l.position(of: UTF8Offset(2)) == (0, Column(2)))
        XCTAssertTrue(l.position(of: UTF8Offset(8)) == (2, Column(2)))  // the end is on the last row
        XCTAssertEqual(l.offset(row: 1, column: Column(1)), UTF8Offset(4))
        XCTAssertEqual(l.offset(row: 0, column: Column(9)), UTF8Offset(2))  // past a middle row's end: its last cluster
        XCTAssertEqual(l.offset(row: 2, column: Column(9)), UTF8Offset(8))  // past the last row's end: the line's end
    }

    func testRopeLineFunctions() {
        let rope = Rope("first\r\n\tx中y\nlast line")
        XCTAssertEqual(rope.column(of: UTF8Offset(0)), Column(0))
        XCTAssertEqual(rope.column(of: UTF8Offset(5)), Column(5))
        XCTAssertEqual(rope.column(of: UTF8Offset(6)), Column(5))  // between "\r" and "\n": the content's end
        let l1 = rope.lineStart(Line(1)).value
        XCTAssertEqual(rope.column(of: UTF8Offset(l1 + 1), tabWidth: 4), Column(4))
        XCTAssertEqual(rope.column(of: UTF8Offset(l1 + 2), tabWidth: 4), Column(5))
        XCTAssertEqual(rope.column(of: UTF8Offset(l1 + 3), tabWidth: 4), Column(5))  // inside 中
        XCTAssertEqual(rope.column(of: UTF8Offset(l1 + 5), tabWidth: 4), Column(7))
        XCTAssertEqual(rope.offset(atColumn: Column(6), in: Line(1), tabWidth: 4), UTF8Offset(l1 + 2))
        XCTAssertEqual(rope.offset(atColumn: Column(2), in: Line(1), tabWidth: 4), UTF8Offset(l1))
        XCTAssertEqual(rope.offset(atColumn: Column(50), in: Line(1), tabWidth: 4), rope.lineEnd(Line(1)))
        XCTAssertEqual(rope.offset(atColumn: Column(50), in: Line(0)), UTF8Offset(5))
        XCTAssertEqual(rope.offset(atColumn: Column(3), in: Line(1), tabWidth: 4, as: UTF16Offset.self), UTF16Offset(7))
        let rows = rope.wrap(line: Line(2), width: 4)
        XCTAssertEqual(rows.map { rope.substring($0.range) }, ["last", " lin", "e"])
        XCTAssertEqual(rope.wrap(line: Line(2), width: 6, wordWrap: true).map { rope.substring($0.range) }, ["last ", "line"])
        let layout = rope.layout(of: Line(1), tabWidth: 4)
        XCTAssertEqual(layout.range, rope.lineRange(Line(1)))
        XCTAssertEqual(layout.width, 8)
        // Long lines: offset(atColumn:) walks the line in pieces.
        let long = Rope(String(repeating: "ab中\t", count: 3000))
        let target = 3000 * 8 - 3   // inside the last tab (tab width 8: "ab中" is 4 columns, tab 4)
        XCTAssertEqual(long.offset(atColumn: Column(target), in: Line(0)), UTF8Offset(long.utf8Count - 1))
        XCTAssertEqual(long.column(of: UTF8Offset(long.utf8Count - 1)), Column(3000 * 8 - 4))
    }
}
