import StetCRDT
import StetEditor
import StetText
import XCTest

/// Frames checked as text (what a user would see) plus the cells that matter.
final class RenderTests: XCTestCase {
    func testLineNumbersStatusBarAndCursor() {
        let e = makeEditor("one\ntw|o", rows: 5, columns: 40)
        let f = e.render()
        XCTAssertEqual(f.text(ofRow: 0).prefix(7), "  1 one")
        XCTAssertEqual(f.text(ofRow: 1).prefix(7), "  2 two")
        XCTAssertEqual(f[1, 2].style.role, .currentLineNumber)
        XCTAssertEqual(f[0, 2].style.role, .lineNumber)
        XCTAssertEqual(f.cursor?.row, 1)
        XCTAssertEqual(f.cursor?.column, 6)
        let status = f.text(ofRow: 3)
        XCTAssertTrue(status.hasPrefix(" stet-test.txt "), status)
        XCTAssertTrue(status.contains("Ln 2, Col 3"), status)
        XCTAssertEqual(f[3, 0].style.role, .statusBarEmphasis)
        e.type("x")
        XCTAssertTrue(e.render().text(ofRow: 3).hasPrefix(" stet-test.txt [+]"))
    }

    func testALongMessageWrapsAboveTheLastRowAndGoesAwayWithTheNextKey() {
        let e = makeEditor("one\ntwo\nthr|ee\nfour\nfive\nsix\nseven", rows: 10, columns: 30)
        let message = "disconnected: stet is not installed on devbox: install it there, or pass --remote-stet /path/to/stet"
        e.error(message)
        let f = e.render()
        // 30 columns: the message needs 4 rows, a third of 10 rows allows 3: the last is elided.
        let rows = (7..<10).map { f.text(ofRow: $0).trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(rows[0], "disconnected: stet is not")
        XCTAssertEqual(rows[1], "installed on devbox: install")
        XCTAssertTrue(rows[2].hasSuffix("…") && rows[2].hasPrefix("it there, or pass"), rows[2])
        XCTAssertEqual(f[7, 0].style.role, .errorMessage)
        // The status bar moved up over the text; the text above it is untouched.
        XCTAssertTrue(f.text(ofRow: 6).hasPrefix(" stet-test.txt"), f.text(ofRow: 6))
        XCTAssertEqual(f.text(ofRow: 5).prefix(9), "  6 six  ")
        XCTAssertEqual(f.cursor?.row, 2, "the cursor's row is not covered")

        // Wide enough: one row, the usual layout.
        let wide = makeEditor("a|", rows: 10, columns: 120)
        wide.error(message)
        let g = wide.render()
        XCTAssertEqual(g.text(ofRow: 9).trimmingCharacters(in: .whitespaces), message)
        XCTAssertTrue(g.text(ofRow: 8).hasPrefix(" stet-test.txt"))

        // The next key clears the message: the status bar is back on the second-last row.
        e.type("x")
        let h = e.render()
        XCTAssertTrue(h.text(ofRow: 8).hasPrefix(" stet-test.txt [+]"), h.text(ofRow: 8))
        XCTAssertEqual(h.text(ofRow: 6).prefix(10), "  7 seven ")

        // Every row of a wrapped message fits, and nothing is lost when it is not cut.
        for width in [14, 17, 23, 40] {
            let wrapped = Editor.wrapMessage(message, width: width)
            XCTAssertTrue(wrapped.allSatisfy { $0.count <= width }, "\(width): \(wrapped)")
            XCTAssertEqual(wrapped.joined(separator: " "), message, "\(width): \(wrapped)")
        }
        // A word longer than the row is cut where the row ends.
        XCTAssertEqual(Editor.wrapMessage("see /a/very/long/path ok", width: 8), ["see", "/a/very/", "long/pat", "h ok"])
        // A character wider than the row gets a row of its own (never an empty one).
        XCTAssertEqual(Editor.wrapMessage("a 漢字 b", width: 1), ["a", "漢", "字", "b"])
    }

    func testWideAndCombiningTextKeepsColumns() {
        var s = Settings()
        s.lineNumbers = false
        let e = makeEditor("漢字x\ne\u{301}👨‍👩‍👧y\n\u{1}z|", rows: 6, columns: 20, settings: s)
        let f = e.render()
        XCTAssertEqual(f[0, 0], Cell("漢", width: 2))
        XCTAssertEqual(f[0, 1].width, 0)
        XCTAssertEqual(f[0, 2], Cell("字", width: 2))
        XCTAssertEqual(f[0, 4], Cell("x"))
        XCTAssertEqual(f[1, 0], Cell("e\u{301}"))
        XCTAssertEqual(f[1, 1], Cell("👨‍👩‍👧", width: 2))
        XCTAssertEqual(f[1, 3], Cell("y"))
        // A control character is shown visibly, in its own style.
        XCTAssertEqual(f.text(ofRow: 2).prefix(3), "^Az")
        XCTAssertEqual(f[2, 0].style.role, .control)
        XCTAssertEqual(f.cursor?.column, 3)
    }

    func testSoftWrapAndHorizontalScroll() {
        var s = Settings()
        s.lineNumbers = false
        let long = "aaaa bbbb cccc dddd eeee"
        let e = makeEditor(long + "|", rows: 6, columns: 10, settings: s)
        var f = e.render()
        // No wrap: scrolled so the cursor (past the end) is visible.
        XCTAssertEqual(f.cursor?.row, 0)
        XCTAssertGreaterThan(e.leftColumn, 0)
        XCTAssertTrue(long.hasSuffix(f.text(ofRow: 0).trimmingCharacters(in: .whitespaces)), f.text(ofRow: 0))
        e.type("<A-z>")
        f = e.render()
        XCTAssertEqual(f.text(ofRow: 0), "aaaa bbbb ")
        XCTAssertEqual(f.text(ofRow: 1), "cccc dddd ")
        XCTAssertEqual(f.text(ofRow: 2), "eeee      ")
        XCTAssertEqual(f.cursor?.row, 2)
        XCTAssertEqual(f.cursor?.column, 4)
        // Up moves by display row inside the wrapped line.
        e.type("<Up>")
        XCTAssertEqual(e.selection.head.value, 14)
    }

    func testTabsExpandToTheConfiguredWidth() {
        var s = Settings()
        s.lineNumbers = false
        s.tabWidth = 4
        let e = makeEditor("\tx\nab\ty|", rows: 4, columns: 20, settings: s)
        let f = e.render()
        XCTAssertEqual(f.text(ofRow: 0).prefix(5), "    x")
        XCTAssertEqual(f.text(ofRow: 1).prefix(5), "ab  y")
    }

    func testSelectionAndMatchesAreStyled() {
        var s = Settings()
        s.lineNumbers = false
        let e = makeEditor("a^bc|d", rows: 4, columns: 20, settings: s)
        var f = e.render()
        XCTAssertEqual(f[0, 0].style.role, .text)
        XCTAssertEqual(f[0, 1].style.role, .selection)
        XCTAssertEqual(f[0, 2].style.role, .selection)
        XCTAssertEqual(f[0, 3].style.role, .text)
        let g = makeEditor("|foo bar foo", rows: 4, columns: 20, settings: s)
        g.type("<C-f>foo")
        f = g.render()
        XCTAssertEqual(f[0, 0].style.role, .currentMatch)
        XCTAssertEqual(f[0, 8].style.role, .match)
        XCTAssertEqual(f.text(ofRow: 3), "Find: foo" + String(repeating: " ", count: 11))
    }

    func testOnlyChangedCellsAreRedrawn() {
        let e = makeEditor("one\ntwo\nthree|", rows: 8, columns: 30)
        let before = e.render()
        e.type("<Left>")
        let moved = e.render()
        // Moving the cursor within a line changes only the status bar (the column).
        XCTAssertEqual(Set(moved.changes(since: before).map(\.row)), [6])
        e.type("X")
        let typed = e.render()
        let rows = Set(typed.changes(since: moved).map(\.row))
        XCTAssertEqual(rows, [2, 6])
        // The changed run on the text row covers the inserted cell and the shifted one.
        let run = typed.changes(since: moved).first { $0.row == 2 }!
        XCTAssertEqual(run.columns, 8..<10)
        XCTAssertEqual(typed.changes(since: typed).count, 0)
        XCTAssertEqual(typed.changes(since: nil).count, 8)
    }

    func testResizeReflows() {
        var s = Settings()
        s.wrap = true
        s.lineNumbers = false
        let e = makeEditor(String(repeating: "x", count: 30) + "|", rows: 6, columns: 40, settings: s)
        XCTAssertEqual(e.render().text(ofRow: 1).trimmingCharacters(in: .whitespaces), "")
        _ = e.handle(.resize(rows: 6, columns: 10))
        let f = e.render()
        XCTAssertEqual(f.columns, 10)
        XCTAssertEqual(f.text(ofRow: 2), "xxxxxxxxxx")
        XCTAssertEqual(f.cursor?.row, 2)
    }

    func testHelpListsEveryBoundKeyAndCommand() {
        let e = makeEditor("|", rows: 200, columns: 120)
        e.type("<F1>")
        let text = e.render().text
        for b in Keymap.bindings where !b.label.isEmpty {
            XCTAssertTrue(text.contains(b.label), "help lacks \(b.label)")
        }
        for name in [":w", ":q", ":goto", ":set"] { XCTAssertTrue(text.contains(name), "help lacks \(name)") }
        e.type("<Esc>")
        XCTAssertFalse(e.render().text.contains("Commands (Ctrl-P"))
    }

    func testMouseClickAndDrag() {
        var s = Settings()
        s.lineNumbers = false
        let e = makeEditor("hello\nworld|", rows: 6, columns: 20, settings: s)
        _ = e.render()
        _ = e.handle(.mouse(MouseEvent(.press, row: 0, column: 2)))
        XCTAssertEqual(e.marked, "he|llo\nworld")
        _ = e.handle(.mouse(MouseEvent(.drag, row: 1, column: 3)))
        _ = e.handle(.mouse(MouseEvent(.release, row: 1, column: 3)))
        XCTAssertEqual(e.marked, "he^llo\nwor|ld")
        // Clicking past a line's end lands at its end.
        _ = e.handle(.mouse(MouseEvent(.press, row: 0, column: 15)))
        XCTAssertEqual(e.marked, "hello|\nworld")
    }

    func testWheelScrollsWithoutMovingTheCursor() {
        let text = (1...50).map { "line \($0)" }.joined(separator: "\n")
        let e = makeEditor("|" + text, rows: 10, columns: 20)
        _ = e.render()
        _ = e.handle(.mouse(MouseEvent(.wheelDown, row: 3, column: 3)))
        let f = e.render()
        XCTAssertEqual(f.text(ofRow: 0), "  4 line 4          ")
        XCTAssertNil(f.cursor)
        XCTAssertEqual(e.selection.head, .zero)
    }

    func testPageDownAndGotoKeepTheCursorOnScreen() {
        let text = (1...100).map { "line \($0)" }.joined(separator: "\n")
        let e = makeEditor("|" + text, rows: 12, columns: 30)
        e.type("<PgDn>")
        var f = e.render()
        XCTAssertNotNil(f.cursor)
        e.type("<C-g>75<Enter>")
        f = e.render()
        XCTAssertTrue(e.marked.contains("|line 75"))
        let row = f.cursor!.row
        XCTAssertTrue(f.text(ofRow: row).contains("line 75"))
        e.type("<C-p>goto 3:4<Enter>")
        XCTAssertTrue(e.marked.contains("lin|e 3\n"))
    }
}
