import Foundation
import XCTest

/// Typing, moving, saving, the clipboard, paste and undo, driven through tmux.
final class EditingE2ETests: E2ETestCase {
    func testTypeMoveWithArrowsHomeEndCtrlArrowsAndSave() throws {
        try ws.write("a.txt", "alpha beta\ngamma\n")
        open("a.txt", firstRow: "  1 alpha beta")
        XCTAssertEqual(textRows(tmux.capture()), ["  1 alpha beta", "  2 gamma", "  3"])

        tmux.sendKeys("End")
        tmux.waitFor(line: 1, column: 11)
        tmux.type("!")
        tmux.waitFor("'!' typed at the end, [+] shown") { $0.row(0) == "  1 alpha beta!" && $0.at(1, 12) && $0.status.contains("a.txt [+]") }
        tmux.sendKeys("Down")
        tmux.waitFor(line: 2, column: 6)            // "gamma" is shorter: end of line
        tmux.sendKeys("Home")
        tmux.waitFor(line: 2, column: 1)
        tmux.type(">")
        tmux.waitFor("'>' at the start of line 2") { $0.row(1) == "  2 >gamma" && $0.at(2, 2) }
        tmux.sendKeys("Up")
        tmux.waitFor(line: 1, column: 2)
        tmux.sendKeys("C-Right")                     // end of "alpha"
        tmux.waitFor(line: 1, column: 6)
        tmux.sendKeys("C-Right")                     // end of "beta" ("!" is punctuation)
        tmux.waitFor(line: 1, column: 11)
        tmux.sendKeys("C-Left")                      // start of "beta"
        tmux.waitFor(line: 1, column: 7)
        tmux.type("_")
        tmux.waitFor("'_' before beta") { $0.row(0) == "  1 alpha _beta!" && $0.at(1, 8) }
        // The terminal cursor is where the status bar says: gutter (4) + column - 1.
        XCTAssertEqual(tmux.cursor?.x, 4 + 7)
        XCTAssertEqual(tmux.cursor?.y, 0)

        XCTAssertBytes(ws.bytes("a.txt"), "alpha beta\ngamma\n", "the file changes only on save")
        save()
        XCTAssertBytes(ws.bytes("a.txt"), "alpha _beta!\n>gamma\n")
    }

    func testCRLFFileStaysCRLF() throws {
        try ws.write("dos.txt", "one\r\ntwo\r\n")
        open("dos.txt", firstRow: "  1 one")
        tmux.waitFor("status shows CRLF") { $0.status.contains("UTF-8 CRLF") }
        tmux.sendKeys("End")
        tmux.type("1")
        tmux.waitFor(line: 1, column: 5)
        tmux.sendKeys("Down", "End")
        tmux.waitFor(line: 2, column: 4)
        tmux.type("2")
        tmux.sendKeys("Enter")
        tmux.type("three")
        waitForRows(["  1 one1", "  2 two2", "  3 three", "  4"])
        tmux.waitFor(line: 3, column: 6)
        save()
        XCTAssertBytes(ws.bytes("dos.txt"), "one1\r\ntwo2\r\nthree\r\n")
    }

    func testMissingFinalNewlineStaysMissing() throws {
        try ws.write("n.txt", "first\nlast line")
        open("n.txt", firstRow: "  1 first")
        XCTAssertEqual(textRows(tmux.capture()), ["  1 first", "  2 last line"])
        tmux.sendKeys("Down", "End")
        tmux.waitFor(line: 2, column: 10)
        tmux.type(" ok")
        tmux.waitFor("typed at the end of the last line") { $0.row(1) == "  2 last line ok" && $0.at(2, 13) }
        save()
        XCTAssertBytes(ws.bytes("n.txt"), "first\nlast line ok")
    }

    func testShiftSelectCopyPasteAndCut() throws {
        try ws.write("c.txt", "hello world\nsecond\n")
        open("c.txt", firstRow: "  1 hello world")
        tmux.sendKeys("S-Right", "S-Right", "S-Right", "S-Right", "S-Right")
        tmux.waitFor("5 characters selected") { $0.status.contains("(5 selected)") && $0.at(1, 6) }
        tmux.sendKeys("C-c")
        tmux.waitFor("copied message") { $0.message.contains("copied 5 characters") }
        tmux.sendKeys("Down", "End")
        tmux.waitFor(line: 2, column: 7)
        tmux.sendKeys("C-v")
        tmux.waitFor("pasted after 'second'") { $0.row(1) == "  2 secondhello" && $0.at(2, 12) }

        // Select " world" backwards with Shift-Left from the end of line 1, then cut it.
        tmux.sendKeys("Up", "End")
        tmux.waitFor(line: 1, column: 12)
        for _ in 0..<6 { tmux.sendKeys("S-Left") }
        tmux.waitFor("6 selected") { $0.status.contains("(6 selected)") && $0.at(1, 6) }
        tmux.sendKeys("C-x")
        tmux.waitFor("' world' cut") { $0.row(0) == "  1 hello" && $0.at(1, 6) && $0.message.contains("cut 6 characters") }
        // And paste it at the start of line 2.
        tmux.sendKeys("Down", "Home")
        tmux.waitFor(line: 2, column: 1)
        tmux.sendKeys("C-v")
        tmux.waitFor("' world' pasted") { $0.row(1) == "  2  worldsecondhello" && $0.at(2, 7) }
        save()
        XCTAssertBytes(ws.bytes("c.txt"), "hello\n worldsecondhello\n")
    }

    func testShiftDownSelectsLinesAndCtrlXCutsThem() throws {
        try ws.write("l.txt", "keep\ncut me\nand me\nkeep too\n")
        open("l.txt", firstRow: "  1 keep")
        tmux.sendKeys("Down")
        tmux.waitFor(line: 2, column: 1)
        tmux.sendKeys("S-Down", "S-Down")
        tmux.waitFor("two lines selected") { $0.at(4, 1) && $0.status.contains("(14 selected)") }
        tmux.sendKeys("C-x")
        waitForRows(["  1 keep", "  2 keep too", "  3"])
        tmux.waitFor(line: 2, column: 1)
        save()
        XCTAssertBytes(ws.bytes("l.txt"), "keep\nkeep too\n")
    }

    func testBracketedPasteOfLinesIsOneUndoStep() throws {
        try ws.write("p.txt", "start\n")
        open("p.txt", firstRow: "  1 start")
        tmux.sendKeys("End")
        tmux.waitFor(line: 1, column: 6)
        // Indented lines: a paste must not be auto-indented like typed Enter.
        tmux.paste(" one\n  two\nthree")
        waitForRows(["  1 start one", "  2   two", "  3 three", "  4"])
        tmux.waitFor(line: 3, column: 6)

        tmux.sendKeys("C-z")
        waitForRows(["  1 start", "  2"])
        tmux.waitFor(line: 1, column: 6)
        tmux.sendKeys("C-y")
        waitForRows(["  1 start one", "  2   two", "  3 three", "  4"])
        save()
        XCTAssertBytes(ws.bytes("p.txt"), "start one\n  two\nthree\n")

        tmux.sendKeys("C-z")
        waitForRows(["  1 start", "  2"])
        tmux.waitFor("[+] after undoing past the save") { $0.status.contains("p.txt [+]") }
        save()
        XCTAssertBytes(ws.bytes("p.txt"), "start\n")
    }

    func testUndoAndRedo() throws {
        try ws.write("u.txt", "x\n")
        open("u.txt", firstRow: "  1 x")
        tmux.sendKeys("End")
        tmux.type(" one")
        tmux.waitFor("typed") { $0.row(0) == "  1 x one" && $0.at(1, 6) }
        tmux.sendKeys("C-z")
        tmux.waitFor("undone") { $0.row(0) == "  1 x" && $0.at(1, 2) && !$0.status.contains("[+]") }
        tmux.sendKeys("C-y")
        tmux.waitFor("redone") { $0.row(0) == "  1 x one" && $0.at(1, 6) && $0.status.contains("[+]") }
        tmux.sendKeys("C-z")
        tmux.waitFor("undone again") { $0.row(0) == "  1 x" }
        tmux.sendKeys("C-z")
        tmux.waitFor("nothing to undo") { $0.message.contains("nothing to undo") && $0.row(0) == "  1 x" }
        tmux.sendKeys("C-y")
        tmux.waitFor("redone") { $0.row(0) == "  1 x one" }
        tmux.sendKeys("C-y")
        tmux.waitFor("nothing to redo") { $0.message.contains("nothing to redo") && $0.row(0) == "  1 x one" }
        // A deletion is undone too.
        tmux.sendKeys("BSpace", "BSpace", "BSpace")
        tmux.waitFor("deleted") { $0.lines[0].hasPrefix("  1 x  ") && $0.row(0) == "  1 x" && $0.at(1, 3) }
        tmux.sendKeys("C-z")
        tmux.waitFor("deletion undone") { $0.row(0) == "  1 x one" }
        save()
        XCTAssertBytes(ws.bytes("u.txt"), "x one\n")
    }

    func testTabIndentsAndShiftTabOutdentsSelectedLines() throws {
        try ws.write("t.txt", "a\nb\nc\n")
        open("t.txt", firstRow: "  1 a")
        tmux.sendKeys("S-Down")
        tmux.waitFor(line: 2, column: 1)
        tmux.sendKeys("Tab")
        waitForRows(["  1     a", "  2 b", "  3 c", "  4"])
        tmux.sendKeys("S-Down")                      // extend to line 3: lines 1 and 2 now
        tmux.sendKeys("Tab")
        waitForRows(["  1         a", "  2     b", "  3 c", "  4"])
        tmux.sendKeys("BTab")
        waitForRows(["  1     a", "  2 b", "  3 c", "  4"])
        save()
        XCTAssertBytes(ws.bytes("t.txt"), "    a\nb\nc\n")
    }

    func testEnterKeepsIndentationAndTabInsertsAnIndent() throws {
        try ws.write("i.txt", "    indented\nflush\n")
        open("i.txt", firstRow: "  1     indented")
        tmux.sendKeys("End", "Enter")
        tmux.type("x")
        tmux.waitFor("new line indented like the one above") { $0.row(1) == "  2     x" && $0.at(2, 6) }
        tmux.sendKeys("Down", "Home")
        tmux.waitFor(line: 3, column: 1)
        tmux.sendKeys("Tab")
        tmux.waitFor("Tab inserted four spaces") { $0.row(2) == "  3     flush" && $0.at(3, 5) }
        save()
        XCTAssertBytes(ws.bytes("i.txt"), "    indented\n    x\n    flush\n")
    }

    func testSelectAllThenTypeReplacesEverything() throws {
        try ws.write("all.txt", "one\ntwo\nthree\n")
        open("all.txt", firstRow: "  1 one")
        tmux.sendKeys("C-a")
        tmux.waitFor("everything selected") { $0.status.contains("(14 selected)") && $0.at(4, 1) }
        tmux.type("new")
        waitForRows(["  1 new"])
        tmux.waitFor(line: 1, column: 4)
        save()
        XCTAssertBytes(ws.bytes("all.txt"), "new")
    }

    func testTypingPauseSplitsUndoSteps() throws {
        try ws.write("p.txt", "\n")
        open("p.txt", firstRow: "  1")
        tmux.type("abc")
        tmux.waitFor("abc typed") { $0.row(0) == "  1 abc" }
        usleep(800_000)    // input pacing, not an assertion: a pause longer than the 500 ms undo grouping
        tmux.type("def")
        tmux.waitFor("def typed") { $0.row(0) == "  1 abcdef" }
        tmux.sendKeys("C-z")
        tmux.waitFor("only the second burst undone") { $0.row(0) == "  1 abc" && $0.at(1, 4) }
        tmux.sendKeys("C-z")
        tmux.waitFor("first burst undone") { $0.row(0) == "  1" && $0.at(1, 1) }
        XCTAssertBytes(ws.bytes("p.txt"), "\n")
    }

    func testUndoSurvivesARestart() throws {
        try ws.write("r.txt", "abc\n")
        open("r.txt", firstRow: "  1 abc")
        tmux.type("XYZ")
        tmux.waitFor("typed") { $0.row(0) == "  1 XYZabc" }
        save()
        tmux.sendKeys("C-q")
        XCTAssertEqual(tmux.waitForExit(), 0)
        XCTAssertBytes(ws.bytes("r.txt"), "XYZabc\n")

        tmux.startStet(["r.txt"])
        tmux.waitFor("reopened, unmodified") { $0.row(0) == "  1 XYZabc" && !$0.status.contains("[+]") && $0.at(1, 1) }
        tmux.sendKeys("C-z")
        tmux.waitFor("the last session's typing undone") { $0.row(0) == "  1 abc" && $0.status.contains("r.txt [+]") }
        save()
        XCTAssertBytes(ws.bytes("r.txt"), "abc\n")
    }

    func testFileChangedOnDiskIsMergedWithUnsavedEdits() throws {
        try ws.write("x.txt", "abc\n")
        open("x.txt", firstRow: "  1 abc")
        tmux.type("X")
        tmux.waitFor("typed") { $0.row(0) == "  1 Xabc" }
        try ws.write("x.txt", "abc\nexternal\n")
        tmux.waitFor("merged", timeout: 6) {
            $0.row(0) == "  1 Xabc" && $0.row(1) == "  2 external" && $0.message.contains("changed on disk")
        }
        save()
        XCTAssertBytes(ws.bytes("x.txt"), "Xabc\nexternal\n")
    }

    func testMouseClickPlacesCursorAndDragSelects() throws {
        try ws.write("m.txt", "first line\nsecond line\nthird line here\n")
        open("m.txt", firstRow: "  1 first line")
        // X10 mouse reports (what tmux-256color's kmous, ESC [ M, announces): button+32,
        // column+33, row+33. Press and release at screen column 9, row 2.
        tmux.sendHex([0x1B, 0x5B, 0x4D, 0x20, 0x2A, 0x23, 0x1B, 0x5B, 0x4D, 0x23, 0x2A, 0x23])
        tmux.waitFor(line: 3, column: 6)
        // Press at (4, 0), drag to (12, 1), release: selects "first line\nsecond l".
        tmux.sendHex([0x1B, 0x5B, 0x4D, 0x20, 0x25, 0x21, 0x1B, 0x5B, 0x4D, 0x40, 0x2D, 0x22, 0x1B, 0x5B, 0x4D, 0x23, 0x2D, 0x22])
        tmux.waitFor("dragged selection") { $0.at(2, 9) && $0.status.contains("(19 selected)") }
        tmux.sendKeys("C-x")
        waitForRows(["  1 ine", "  2 third line here", "  3"])
        save()
        XCTAssertBytes(ws.bytes("m.txt"), "ine\nthird line here\n")
    }
}
