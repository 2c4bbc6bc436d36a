import Foundation
import XCTest

/// Find, replace, go to line, help, quitting, resizing and wide characters.
final class CommandsE2ETests: E2ETestCase {
    func testFindAndFindNext() throws {
        try ws.write("f.txt", "a foo\nbar\nfoo foo\n")
        open("f.txt", firstRow: "  1 a foo")
        tmux.sendKeys("C-f")
        tmux.waitFor("find prompt") { $0.message.hasPrefix("Find:") }
        tmux.type("foo")
        // Incremental: the first match (line 1, columns 3–5) is selected, cursor after it.
        tmux.waitFor("first match") { $0.message.hasPrefix("Find: foo") && $0.at(1, 6) && $0.status.contains("(3 selected)") }
        tmux.sendKeys("Enter")
        tmux.waitFor(line: 3, column: 4)
        tmux.sendKeys("Enter")
        tmux.waitFor(line: 3, column: 8)
        tmux.sendKeys("Enter")
        tmux.waitFor("wrapped to the first match") { $0.at(1, 6) && $0.message.hasPrefix("Find: foo") }
        tmux.sendKeys("Escape")
        // The note shows beside the prompt while it is open, and stays after Esc.
        tmux.waitFor("prompt closed, wrap noted") { !$0.message.hasPrefix("Find:") && $0.message.contains("search wrapped around") && $0.at(1, 6) }
        // The match stays selected: typing replaces it.
        tmux.type("X")
        tmux.waitFor("selection replaced") { $0.row(0) == "  1 a X" && $0.at(1, 4) }
        save()
        XCTAssertBytes(ws.bytes("f.txt"), "a X\nbar\nfoo foo\n")
    }

    func testFindNotFound() throws {
        try ws.write("f.txt", "abc\n")
        open("f.txt", firstRow: "  1 abc")
        tmux.sendKeys("C-f")
        tmux.waitFor("empty find prompt") { $0.message.hasPrefix("Find:") }
        tmux.type("zzz")
        tmux.waitFor("query typed, nothing selected") { $0.message.hasPrefix("Find: zzz") && $0.at(1, 1) && !$0.status.contains("selected") }
        tmux.sendKeys("Escape")
        tmux.waitFor("prompt closed, not found reported") { $0.message.contains("not found: zzz") && $0.at(1, 1) }
        XCTAssertBytes(ws.bytes("f.txt"), "abc\n")
    }

    func testReplaceAll() throws {
        try ws.write("r.txt", "cat dog cat\ncatalog\ndog\n")
        open("r.txt", firstRow: "  1 cat dog cat")
        tmux.sendKeys("C-r")
        tmux.waitFor("replace prompt") { $0.message.hasPrefix("Replace:") }
        tmux.type("cat")
        tmux.sendKeys("Enter")
        tmux.waitFor("replace-with prompt") { $0.message.hasPrefix("Replace cat with:") }
        tmux.type("cow")
        tmux.sendKeys("Enter")
        tmux.waitFor("confirm prompt") { $0.message.hasPrefix("Replace cat with cow?") }
        tmux.sendKeys("a")
        tmux.waitFor("all replaced") { $0.message.contains("replaced 3 occurrences") }
        waitForRows(["  1 cow dog cow", "  2 cowalog", "  3 dog", "  4"])
        save()
        XCTAssertBytes(ws.bytes("r.txt"), "cow dog cow\ncowalog\ndog\n")
        // Replace all is one undo step.
        tmux.sendKeys("C-z")
        waitForRows(["  1 cat dog cat", "  2 catalog", "  3 dog", "  4"])
    }

    func testReplaceOneByOne() throws {
        try ws.write("r.txt", "a a a\n")
        open("r.txt", firstRow: "  1 a a a")
        tmux.sendKeys("C-r")
        tmux.type("a")
        tmux.sendKeys("Enter")
        tmux.waitFor("replace-with prompt") { $0.message.hasPrefix("Replace a with:") }
        tmux.type("bb")
        tmux.sendKeys("Enter")
        tmux.waitFor("confirm prompt at the first a") { $0.message.hasPrefix("Replace a with bb?") && $0.at(1, 2) }
        tmux.sendKeys("y")
        tmux.waitFor("first replaced, now at the second") { $0.row(0) == "  1 bb a a" && $0.at(1, 5) }
        tmux.sendKeys("n")
        tmux.waitFor("second skipped") { $0.at(1, 7) }
        tmux.sendKeys("y")
        tmux.waitFor("done") { $0.row(0) == "  1 bb a bb" && $0.message.contains("replaced 2; no more matches") }
        save()
        XCTAssertBytes(ws.bytes("r.txt"), "bb a bb\n")
    }

    func testGotoLineInALongFile() throws {
        try ws.write("long.txt", (1...200).map { "line \($0)\n" }.joined())
        open("long.txt", firstRow: "  1 line 1")
        tmux.sendKeys("C-g")
        tmux.waitFor("goto prompt") { $0.message.hasPrefix("Go to line:") }
        tmux.type("150")
        tmux.sendKeys("Enter")
        let s = tmux.waitFor(line: 150, column: 1)
        let row = s.lines.firstIndex { $0.hasPrefix("150 line 150") }
        XCTAssertNotNil(row, "line 150 is not on screen:\n\(s)")
        XCTAssertFalse(s.lines.contains { $0.hasPrefix("  1 line 1") }, "still showing the top:\n\(s)")
        XCTAssertEqual(tmux.cursor?.y, row, "terminal cursor not on line 150's row")
        XCTAssertEqual(tmux.cursor?.x, 4)

        // The command prompt does the same.
        tmux.sendKeys("C-p")
        tmux.waitFor("command prompt") { $0.message.hasPrefix(":") }
        tmux.type("goto 40")
        tmux.sendKeys("Enter")
        let s2 = tmux.waitFor(line: 40, column: 1)
        XCTAssertTrue(s2.lines.contains { $0.hasPrefix(" 40 line 40") }, "line 40 not on screen:\n\(s2)")
        tmux.sendKeys("C-End")
        let s3 = tmux.waitFor(line: 201, column: 1)
        XCTAssertTrue(s3.lines.contains { $0.hasPrefix("200 line 200") }, "line 200 not on screen:\n\(s3)")
        XCTAssertBytes(ws.bytes("long.txt"), Array((1...200).map { "line \($0)\n" }.joined().utf8))
    }

    func testHelpOpensAndEscCloses() throws {
        try ws.write("h.txt", "text\n")
        open("h.txt", firstRow: "  1 text")
        tmux.sendKeys("F1")
        let s = tmux.waitFor("help screen") { $0.row(0).contains("stet — keys") && $0.message.contains("Esc closes") }
        XCTAssertTrue(s.contains("Ctrl-S"), "help lacks Ctrl-S:\n\(s)")
        XCTAssertTrue(s.contains("Ctrl-Z"), "help lacks Ctrl-Z:\n\(s)")
        XCTAssertFalse(s.contains("  1 text"), "text still shown under help:\n\(s)")
        tmux.sendKeys("Escape")
        tmux.waitFor("help closed") { $0.row(0) == "  1 text" && $0.at(1, 1) && !$0.contains("stet — keys") }
        // Keys work normally again.
        tmux.type("ok ")
        tmux.waitFor("typing after help") { $0.row(0) == "  1 ok text" }
    }

    func testQuitUnmodifiedExitsImmediately() throws {
        try ws.write("q.txt", "same\n")
        open("q.txt", firstRow: "  1 same")
        let pid = tmux.childPID()
        XCTAssertNotNil(pid)
        tmux.sendKeys("C-q")
        XCTAssertEqual(tmux.waitForExit(), 0)
        XCTAssertFalse(pid.map(isRunning) ?? true, "stet still running")
        XCTAssertBytes(ws.bytes("q.txt"), "same\n")
    }

    func testQuitModifiedAsksAndYesSaves() throws {
        try ws.write("q.txt", "one\n")
        open("q.txt", firstRow: "  1 one")
        tmux.sendKeys("End")
        tmux.type(" two")
        tmux.waitFor("typed") { $0.row(0) == "  1 one two" }
        tmux.sendKeys("C-q")
        tmux.waitFor("quit question") { $0.message.hasPrefix("Save changes before quitting?") }
        XCTAssertTrue(tmux.isAlive, "exited without asking")
        tmux.sendKeys("y")
        XCTAssertEqual(tmux.waitForExit(), 0)
        XCTAssertFalse(tmux.isAlive)
        XCTAssertBytes(ws.bytes("q.txt"), "one two\n")
    }

    func testQuitModifiedEscCancelsAndNoKeepsEditsInHistory() throws {
        try ws.write("q.txt", "one\n")
        open("q.txt", firstRow: "  1 one")
        tmux.sendKeys("End")
        tmux.type(" two")
        tmux.waitFor("typed") { $0.row(0) == "  1 one two" }
        tmux.sendKeys("C-q")
        tmux.waitFor("quit question") { $0.message.hasPrefix("Save changes before quitting?") }
        tmux.sendKeys("Escape")
        tmux.waitFor("quit cancelled") { $0.message.contains("quit cancelled") }
        XCTAssertTrue(tmux.isAlive)
        tmux.sendKeys("C-q")
        tmux.waitFor("quit question again") { $0.message.hasPrefix("Save changes before quitting?") }
        tmux.sendKeys("n")
        XCTAssertEqual(tmux.waitForExit(), 0)
        XCTAssertBytes(ws.bytes("q.txt"), "one\n")
        // Reopened: the unsaved edit is back, marked unsaved.
        tmux.startStet(["q.txt"])
        tmux.waitFor("recovered edit") { $0.row(0) == "  1 one two" && $0.status.contains("q.txt [+]") }
        XCTAssertBytes(ws.bytes("q.txt"), "one\n")
    }

    func testCommandPromptWriteAndQuit() throws {
        try ws.write("w.txt", "a\n")
        open("w.txt", firstRow: "  1 a")
        tmux.type("b")
        tmux.waitFor("typed") { $0.row(0) == "  1 ba" }
        tmux.sendKeys("C-p")
        tmux.waitFor("command prompt") { $0.message.hasPrefix(":") }
        tmux.type("w")
        tmux.sendKeys("Enter")
        tmux.waitFor("saved") { $0.message.hasPrefix("saved ") && !$0.status.contains("[+]") }
        XCTAssertBytes(ws.bytes("w.txt"), "ba\n")
        tmux.sendKeys("C-p")
        tmux.waitFor("command prompt") { $0.message.hasPrefix(":") }
        tmux.type("q")
        tmux.sendKeys("Enter")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    func testResizeRedrawsStatusBarAndWrapsLongLine() throws {
        let long = (0..<10).map { _ in "0123456789" }.joined()         // 100 columns, no spaces
        let chars = Array(long)
        try ws.write("wide.txt", long + "\nshort\n")
        open("wide.txt", firstRow: "  1 " + String(long.prefix(75)) + "›")
        let before = tmux.capture()
        // The status bar's right part ends one column before the edge: it is laid out for 80.
        XCTAssertEqual(before.row(22).count, 79, "status bar not laid out for 80 columns:\n\(before)")
        XCTAssertTrue(before.row(22).hasSuffix("F1 help"))

        tmux.resize(columns: 40, rows: 12)
        let s = tmux.waitFor("status bar at row 10 of a 40×12 window") {
            $0.lines.count == 12 && $0.row(10).hasPrefix(" wide.txt") && $0.row(10).contains("Ln 1, Col 1")
        }
        XCTAssertEqual(s.row(10).count, 39, "status bar not laid out for 40 columns:\n\(s)")
        XCTAssertFalse(s.row(10).contains("F1 help"), "the least important segment should be left out at 40 columns:\n\(s)")
        XCTAssertEqual(s.row(0), "  1 " + String(long.prefix(35)) + "›")
        XCTAssertEqual(s.row(1), "  2 short")
        XCTAssertEqual(tmux.cursor.map { [$0.x, $0.y] }, [4, 0])

        tmux.sendKeys("C-p")
        tmux.waitFor("command prompt") { $0.message.hasPrefix(":") }
        tmux.type("set wrap")
        tmux.sendKeys("Enter")
        // 100 columns in a 36-column text area: 36 + 36 + 28.
        waitForRows([
            "  1 " + String(chars[0..<36]),
            "  ↪ " + String(chars[36..<72]),
            "  ↪ " + String(chars[72..<100]),
            "  2 short",
            "  3",
        ])
        tmux.resize(columns: 80, rows: 24)
        waitForRows(["  1 " + String(chars[0..<76]), "  ↪ " + String(chars[76..<100]), "  2 short", "  3"])
        tmux.waitFor("status bar back at row 22") { $0.row(22).count == 79 && $0.row(22).hasSuffix("F1 help") && $0.at(1, 1) }
        // Alt-Z turns wrap off again.
        tmux.sendKeys("M-z")
        tmux.waitFor("wrap off") { $0.message.contains("soft wrap off") }
        waitForRows(["  1 " + String(long.prefix(75)) + "›", "  2 short", "  3"])
        XCTAssertBytes(ws.bytes("wide.txt"), long + "\nshort\n")
    }

    func testStatusColumnOnAWrappedRowCountsFromTheLineStart() throws {
        // BUG: with soft wrap, "Col" is the column within the screen row, so the first
        // character of the second row of line 1 (its 77th character) shows as "Col 1", the
        // same as the line's first character.
        let long = (0..<10).map { _ in "0123456789" }.joined()
        try ws.write("w.txt", long + "\n")
        tmux.startStet(["--wrap", "w.txt"])
        tmux.waitFor("wrapped line") { $0.row(0) == "  1 " + String(long.prefix(76)) && $0.row(1) == "  ↪ " + String(long.dropFirst(76)) }
        tmux.sendKeys("Down")
        tmux.waitFor("cursor on the second screen row") { _ in self.tmux.cursor.map { [$0.x, $0.y] } == [4, 1] }
        tmux.waitFor(line: 1, column: 77, timeout: 2)
        if tmux.lastWaitTimedOut { return }
        tmux.sendKeys("Right", "Right")
        tmux.waitFor(line: 1, column: 79)
        tmux.type("|")
        tmux.waitFor("typed on the second row") { $0.row(1) == "  ↪ 67|8901234567890123456789" }
        save()
        XCTAssertBytes(ws.bytes("w.txt"), String(long.prefix(78)) + "|" + String(long.dropFirst(78)) + "\n")
    }

    func testWideCharactersColumnsAndBytes() throws {
        try ws.write("cjk.txt", "end\n")
        open("cjk.txt", firstRow: "  1 end")
        tmux.type("漢字")
        tmux.waitFor(line: 1, column: 5)              // 1 + 2 + 2
        tmux.type("🎉")
        tmux.waitFor(line: 1, column: 7)              // + 2
        tmux.type("x")
        let s = tmux.waitFor(line: 1, column: 8)      // + 1
        XCTAssertEqual(s.row(0), "  1 漢字🎉xend")
        XCTAssertEqual(tmux.cursor?.x, 4 + 7, "terminal cursor column")
        tmux.sendKeys("Left")
        tmux.waitFor(line: 1, column: 7)
        tmux.sendKeys("Left")
        tmux.waitFor(line: 1, column: 5)
        XCTAssertEqual(tmux.cursor?.x, 4 + 4)
        tmux.sendKeys("Left")
        tmux.waitFor(line: 1, column: 3)
        tmux.sendKeys("BSpace")                       // deletes 漢, a whole character
        tmux.waitFor("漢 deleted") { $0.row(0) == "  1 字🎉xend" && $0.at(1, 1) }
        tmux.sendKeys("End")
        tmux.waitFor(line: 1, column: 9)              // 2 + 2 + 1 + 3 + 1
        save()
        XCTAssertBytes(ws.bytes("cjk.txt"), "字🎉xend\n")
        XCTAssertEqual(ws.bytes("cjk.txt"), [0xE5, 0xAD, 0x97, 0xF0, 0x9F, 0x8E, 0x89, 0x78, 0x65, 0x6E, 0x64, 0x0A])
    }

    func testMultiScalarEmojiIsOneCharacter() throws {
        try ws.write("e.txt", "\n")
        open("e.txt", firstRow: "  1")
        // Thumbs up + skin tone: two scalars, one grapheme of width 2.
        tmux.type("a👍🏽b")
        tmux.waitFor(line: 1, column: 5)
        tmux.sendKeys("Left", "Left")
        tmux.waitFor(line: 1, column: 2)
        tmux.sendKeys("Delete")
        tmux.waitFor("emoji deleted as one") { $0.at(1, 2) && $0.row(0) == "  1 ab" }
        tmux.sendKeys("C-z")
        tmux.waitFor("emoji back") { $0.row(0).hasPrefix("  1 a👍") && $0.row(0).hasSuffix("b") && !$0.row(0).hasSuffix("ab") }
        tmux.sendKeys("End")
        tmux.waitFor(line: 1, column: 5)
        save()
        XCTAssertBytes(ws.bytes("e.txt"), "a👍🏽b\n")
    }

    func testLongLineOfWideCharactersShowsTheContinuationMarker() throws {
        // BUG: without wrap, a line wider than the window ends in "›" at the right edge; when
        // a wide character fills the last two columns the marker is lost (it is written into
        // the character's second half), so nothing shows that the line goes on.
        let kanji = String(repeating: "漢", count: 50)                // 100 columns
        try ws.write("k.txt", kanji + "\nab\n")
        tmux.startStet(["k.txt"])
        tmux.waitFor("editor open") { $0.row(1) == "  2 ab" && $0.at(1, 1) }
        let s = tmux.capture()
        XCTAssertTrue(s.row(0).hasPrefix("  1 " + String(repeating: "漢", count: 37)), "row 0:\n\(s)")
        XCTAssertTrue(s.row(0).hasSuffix("›"), "no continuation marker at the right edge:\n\(s)")
        XCTAssertBytes(ws.bytes("k.txt"), kanji + "\nab\n")
    }

    func testScratchBufferAsksForANameWhenQuitting() throws {
        tmux.startStet([])
        tmux.waitFor("scratch buffer") { $0.status.hasPrefix(" [scratch]") && $0.at(1, 1) }
        tmux.type("abc")
        tmux.waitFor("typed") { $0.row(0) == "  1 abc" && $0.status.contains("[scratch] [+]") }
        tmux.sendKeys("C-q")
        tmux.waitFor("quit question") { $0.message.hasPrefix("Save changes before quitting?") }
        tmux.sendKeys("y")
        tmux.waitFor("save-as prompt") { $0.message.hasPrefix("Save as:") }
        tmux.type("out.txt")
        tmux.sendKeys("Enter")
        XCTAssertEqual(tmux.waitForExit(), 0)
        XCTAssertBytes(ws.bytes("out.txt"), "abc")
    }

    func testQuitAfterUndoingBackToTheSavedTextDoesNotAsk() throws {
        try ws.write("z.txt", "saved\n")
        open("z.txt", firstRow: "  1 saved")
        tmux.type("zz")
        tmux.waitFor("typed") { $0.row(0) == "  1 zzsaved" && $0.status.contains("[+]") }
        tmux.sendKeys("C-z")
        tmux.waitFor("undone, unmodified") { $0.row(0) == "  1 saved" && !$0.status.contains("[+]") }
        tmux.sendKeys("C-q")
        XCTAssertEqual(tmux.waitForExit(), 0)
        XCTAssertBytes(ws.bytes("z.txt"), "saved\n")
    }
}
