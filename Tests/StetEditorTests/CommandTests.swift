import StetCRDT
import StetEditor
import StetText
import XCTest

final class CommandTests: XCTestCase {
    func testIncrementalFindWrapsAndGoesBack() {
        assertKeys("|foo bar foo", "<C-f>fo", "^fo|o bar foo")
        assertKeys("|foo bar foo", "<C-f>foo<Enter>", "foo bar ^foo|")
        // Wraps around to the first match.
        assertKeys("|foo bar foo", "<C-f>foo<Enter><Enter>", "^foo| bar foo")
        assertKeys("|foo bar foo", "<C-f>foo<Up>", "foo bar ^foo|")
        // Smart case: lower-case queries ignore case, capitals match exactly.
        assertKeys("|Foo foo", "<C-f>foo", "^Foo| foo")
        assertKeys("|foo Foo", "<C-f>Foo", "foo ^Foo|")
        // Esc closes and keeps the match selected; F3 finds the next one later.
        assertKeys("|ab ab ab", "<C-f>ab<Esc><F3>", "ab ^ab| ab")
        assertKeys("|ab ab ab", "<C-f>ab<Esc><S-F3>", "ab ab ^ab|")
        // A match inside a grapheme cluster (the e of e + accent) is skipped.
        assertKeys("|e\u{301} e", "<C-f>e<Enter>", "e\u{301} ^e|")
    }

    func testFindReportsWhatIsMissing() {
        let e = makeEditor("|abc")
        XCTAssertEqual(e.type("<C-f>zz"), [.bell, .bell])
        XCTAssertEqual(e.message?.text, "not found: zz")
        XCTAssertEqual(e.message?.isError, true)
    }

    func testReplaceOneByOneAndAll() {
        assertKeys("|a x a x a", "<C-r>a<Enter>b<Enter>yny", "b x a x b|")
        assertKeys("|a x a x a", "<C-r>a<Enter>b<Enter>a", "|b x b x b")
    }

    func testReplaceAllIsOneUndoStep() {
        let e = makeEditor("|cat cat cat")
        e.type("<C-p>replace cat dog<Enter>")
        XCTAssertEqual(e.buffer.string, "dog dog dog")
        XCTAssertEqual(e.message?.text, "replaced 3 occurrences")
        e.type("<C-z>")
        XCTAssertEqual(e.buffer.string, "cat cat cat")
    }

    func testCommandPrompt() {
        let e = makeEditor("a\nb\nc|")
        e.type("<C-p>2<Enter>")
        XCTAssertEqual(e.marked, "a\n|b\nc")
        e.type("<A-:>set wrap tabwidth=4<Enter>")
        XCTAssertTrue(e.settings.wrap)
        XCTAssertEqual(e.settings.tabWidth, 4)
        e.type("<C-p>set tabwidth=0<Enter>")
        XCTAssertEqual(e.message?.isError, true)
        e.type("<C-p>frobnicate<Enter>")
        XCTAssertEqual(e.message?.text, "unknown command frobnicate: F1 lists the commands")
        XCTAssertEqual(e.type("<C-p>w<Enter>"), [.save(path: "/tmp/stet-test.txt", thenQuit: false)])
        XCTAssertEqual(e.type("<C-p>w other.txt<Enter>"), [.save(path: "other.txt", thenQuit: false)])
        XCTAssertEqual(e.type("<C-p>wq<Enter>"), [.save(path: "/tmp/stet-test.txt", thenQuit: true)])
    }

    func testQuitAsksOnlyWhenTheFileIsBehind() {
        let e = makeEditor("abc|")
        XCTAssertEqual(e.type("<C-q>"), [.quit])
        e.type("d")
        XCTAssertEqual(e.type("<C-q>"), [])
        XCTAssertTrue(e.render().text.contains("Save changes before quitting?"))
        XCTAssertEqual(e.type("<Esc>"), [])
        XCTAssertEqual(e.type("<C-q>y"), [.save(path: "/tmp/stet-test.txt", thenQuit: true)])
        XCTAssertEqual(e.type("<C-q>n"), [.quit])
        // After a save the file is up to date again.
        XCTAssertEqual(e.type("<C-s>"), [.save(path: "/tmp/stet-test.txt", thenQuit: false)])
        e.didSave(path: "/tmp/stet-test.txt")
        XCTAssertFalse(e.isModified)
        XCTAssertEqual(e.type("<C-q>"), [.quit])
    }

    func testUndoingBackToTheSavedTextIsUnmodified() {
        let e = makeEditor("abc|")
        e.type("d")
        XCTAssertTrue(e.isModified)
        e.type("<C-z>")
        XCTAssertEqual(e.buffer.string, "abc")
        XCTAssertFalse(e.isModified)
        XCTAssertEqual(e.type("<C-q>"), [.quit])
        // Same size, different text: modified.
        e.type("<BS>x")
        XCTAssertEqual(e.buffer.string, "abx")
        XCTAssertTrue(e.isModified)
    }

    func testScratchBufferAsksForAName() {
        let doc = Doc(clientID: 5)
        let e = Editor(buffer: Buffer(doc: doc), path: nil, now: { 0 })
        e.type("hi")
        XCTAssertEqual(e.type("<C-s>"), [])
        XCTAssertEqual(e.type("new.txt<Enter>"), [.save(path: "new.txt", thenQuit: false)])
        e.didSave(path: "new.txt")
        XCTAssertEqual(e.path, "new.txt")
        XCTAssertEqual(e.type("<C-s>"), [.save(path: "new.txt", thenQuit: false)])
    }

    func testPasteIntoAPromptIsOneLine() {
        let e = makeEditor("|one two")
        e.type("<C-f>")
        _ = e.handle(.paste("two\n"))
        XCTAssertEqual(e.marked, "one ^two|")
    }
}

final class PolishTests: XCTestCase {
    func testEnterOnABlankIndentedLineLeavesNoTrailingBlanks() {
        assertKeys("  foo|", "<Enter><Enter>bar", "  foo\n\n  bar|")
    }

    func testPrefilledFindTextIsReplacedByTyping() {
        let e = makeEditor("|abc xyz abc")
        e.type("<C-f>abc<Esc><C-f>xyz")
        XCTAssertEqual(e.marked, "abc ^xyz| abc")
        e.type("<Esc><C-f><BS>")
        XCTAssertTrue(e.render().text.contains("Find: \n") || e.render().text.hasSuffix("Find:"), e.render().text)
    }

    func testNotFoundShowsWhileThePromptIsOpen() {
        let e = makeEditor("|abc", columns: 60)
        e.type("<C-f>zz")
        let last = e.render().text(ofRow: e.rows - 1)
        XCTAssertTrue(last.hasPrefix("Find: zz"), last)
        XCTAssertTrue(last.hasSuffix("not found: zz"), last)
    }

    func testStatusColumnCountsFromTheLineStartWhenWrapped() {
        var s = Settings()
        s.wrap = true
        s.lineNumbers = false
        let e = makeEditor(String(repeating: "0123456789", count: 10) + "|", rows: 6, columns: 40, settings: s)
        XCTAssertEqual(e.render().cursor?.row, 2)
        XCTAssertTrue(e.render().text(ofRow: 4).contains("Col 101"), e.render().text(ofRow: 4))
    }

    func testWideCharacterCutAtTheRightEdgeLeavesTheMarker() {
        var s = Settings()
        s.lineNumbers = false
        let e = makeEditor("|" + String(repeating: "漢", count: 20), rows: 4, columns: 10, settings: s)
        let f = e.render()
        XCTAssertEqual(f[0, 9], Cell("›", style: Style(.wrapMarker)))
        XCTAssertEqual(f[0, 8], Cell(" ", style: Style(.wrapMarker)))
        XCTAssertEqual(f.text(ofRow: 0), "漢漢漢漢 ›")
    }
}
