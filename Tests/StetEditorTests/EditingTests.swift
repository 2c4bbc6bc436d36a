import StetCRDT
import StetEditor
import StetText
import XCTest

final class EditingTests: XCTestCase {
    func testTypingMovingDeleting() {
        assertKeys("|", "hello", "hello|")
        assertKeys("hel|lo", "<Left><Left>X", "hX|ello")
        assertKeys("ab|", "<BS><BS><BS>", "|")
        assertKeys("|ab", "<Del>", "|b")
        assertKeys("one\ntw|o", "<Home>", "one\n|two")
        assertKeys("one\n  tw|o", "<Home>", "one\n  |two")
        assertKeys("one\n  tw|o", "<Home><Home>", "one\n|  two")
        assertKeys("o|ne\ntwo", "<End>", "one|\ntwo")
        assertKeys("o|ne\ntwo", "<C-End>", "one\ntwo|")
        assertKeys("one\nt|wo", "<C-Home>", "|one\ntwo")
    }

    func testGraphemeClusters() {
        // A combining accent, a ZWJ family, a flag and CJK are each one step.
        assertKeys("e\u{301}|x", "<Left>", "|e\u{301}x")
        assertKeys("a👨‍👩‍👧|b", "<Left>", "a|👨‍👩‍👧b")
        assertKeys("a👨‍👩‍👧|b", "<BS>", "a|b")
        assertKeys("|🇫🇷🇩🇪", "<Right><Del>", "🇫🇷|")
        assertKeys("|漢字", "<Right><Right>", "漢字|")
        // CRLF is one break.
        assertKeys("a\r\n|b", "<BS>", "a|b")
    }

    func testVerticalMovementKeepsTheDisplayColumn() {
        // "漢字" is 4 columns wide: the cursor after it (column 4) lands after "abcd".
        assertKeys("漢字|\nabcdef", "<Down>", "漢字\nabcd|ef")
        // Through a short line and back out keeps the goal column.
        assertKeys("abcdef|\nab\nabcdefgh", "<Down><Down>", "abcdef\nab\nabcdef|gh")
        // Tabs count to the next stop (tab width 8).
        assertKeys("\tx|\n0123456789", "<Down>", "\tx\n012345678|9")
        assertKeys("ab|c", "<Up>", "|abc")
        assertKeys("a|bc", "<Down>", "abc|")
    }

    func testWordMovement() {
        assertKeys("|foo bar_baz, qux", "<C-Right>", "foo| bar_baz, qux")
        assertKeys("|foo bar_baz, qux", "<C-Right><C-Right>", "foo bar_baz|, qux")
        assertKeys("|foo bar_baz, qux", "<C-Right><C-Right><C-Right>", "foo bar_baz,| qux")
        assertKeys("foo bar_baz, qux|", "<C-Left><C-Left>", "foo bar_baz|, qux")
        assertKeys("foo\n|bar", "<C-Left>", "foo|\nbar")
        assertKeys("foo bar|", "<A-BS>", "foo |")
        assertKeys("|foo bar", "<C-Del>", "| bar")
    }

    func testSelectionCopyCutPaste() {
        assertKeys("|hello world", "<S-Right><S-Right>", "^he|llo world")
        assertKeys("hello world|", "<C-S-Left>", "hello |world^")
        assertKeys("|hello world", "<C-S-Right><C-x><End><C-v>", " worldhello|")
        assertKeys("|hello world", "<C-a>X", "X|")
        assertKeys("ab|c", "<S-Home>", "|ab^c")
        // Copy with no selection copies the line; paste puts it where the cursor is.
        assertKeys("one\n|two", "<C-c><C-Home><C-v>", "two\n|one\ntwo")
        // Cut the line.
        assertKeys("one\nt|wo\nthree", "<C-x>", "one\n|three")
        // Left on a selection collapses to its start.
        assertKeys("a^bc|d", "<Left>", "a|bcd")
    }

    func testCopyAlsoGoesToTheSystemClipboard() {
        let e = makeEditor("^abc|")
        XCTAssertEqual(e.type("<C-c>"), [.clipboard("abc")])
        XCTAssertEqual(e.clipboard, "abc")
    }

    func testIndentOutdentAndAutoIndent() {
        assertKeys("  foo|", "<Enter>bar", "  foo\n  bar|")
        assertKeys("\tfoo|", "<Enter>", "\tfoo\n\t|")
        assertKeys("^a\nb\n|c", "<Tab>", "^    a\n    b\n|c")
        assertKeys("^    a\n  b\n|c", "<S-Tab>", "^a\nb\n|c")
        // Tab with no selection inserts spaces to the next indent stop.
        assertKeys("ab|", "<Tab>", "ab  |")
        // Backspace in leading blanks removes one indent step.
        assertKeys("      |x", "<BS>", "    |x")
        var tabs = Settings()
        tabs.indentUnit = "\t"
        assertKeys("^a\n|b", "<Tab>", "^\ta\n|b", settings: tabs)
        // An empty line in the selection stays empty.
        assertKeys("^a\n\nb|", "<Tab>", "^    a\n\n    b|")
    }

    func testCRLFFilesGetCRLFLineBreaks() {
        var s = Settings()
        s.lineBreak = "\r\n"
        assertKeys("a|\r\nb", "<Enter>", "a\r\n|\r\nb", settings: s)
        let e = makeEditor("|", settings: s)
        _ = e.handle(.paste("x\ny\r\nz"))
        XCTAssertEqual(e.buffer.string, "x\r\ny\r\nz")
    }

    func testUndoGroupsByTypingPauses() {
        let clock = TestClock()
        let e = makeEditor("|", clock: clock)
        e.type("abc")
        clock.advance(2_000)
        e.type("def")
        XCTAssertEqual(e.marked, "abcdef|")
        e.type("<C-z>")
        XCTAssertEqual(e.marked, "abc|")
        e.type("<C-z>")
        XCTAssertEqual(e.marked, "|")
        // Nothing of the loaded text is undone: only the user's own edits.
        XCTAssertEqual(e.type("<C-z>"), [.bell])
        e.type("<C-y>")
        XCTAssertEqual(e.marked, "abc|")
        e.type("<C-y>")
        XCTAssertEqual(e.marked, "abcdef|")
    }

    func testMovingTheCursorEndsAnUndoStep() {
        let e = makeEditor("|")
        e.type("ab<Left>c")
        XCTAssertEqual(e.marked, "ac|b")
        e.type("<C-z>")
        XCTAssertEqual(e.marked, "a|b")
    }

    func testUndoPutsTheSelectionBackWhereItWas() {
        // Forward delete: the cursor stays before the restored text.
        assertKeys("a|bcd", "<Del><Del><C-z>", "a|bcd")
        // Backspace: after it.
        assertKeys("abc|d", "<BS><BS><C-z>", "abc|d")
        // A cut selection comes back selected.
        assertKeys("a^bc|d", "<C-x><C-z>", "a^bc|d")
        // Typing: the cursor goes back to where typing started.
        assertKeys("ab|", "xyz<C-z>", "ab|")
    }

    func testPasteIsOneUndoStep() {
        let e = makeEditor("x|")
        _ = e.handle(.paste("line 1\nline 2\nline 3"))
        XCTAssertEqual(e.marked, "xline 1\nline 2\nline 3|")
        e.type("<C-z>")
        XCTAssertEqual(e.marked, "x|")
    }

    func testRemoteChangesMoveCursorAndSelectionLikeLocalOnes() throws {
        let e = makeEditor("hello ^wor|ld")
        // A peer with the same history inserts at the start and deletes "hello ".
        let peer = Doc(clientID: 2)
        try peer.applyUpdate(e.buffer.doc.encodeStateAsUpdate())
        peer.transact { peer.getText("text").insert(">> ", at: 0) }
        try e.buffer.doc.applyUpdate(peer.encodeStateAsUpdate(from: e.buffer.doc.stateVector), origin: "remote")
        XCTAssertEqual(e.marked, ">> hello ^wor|ld")
        peer.transact { peer.getText("text").delete(at: 3, count: 6) }
        try e.buffer.doc.applyUpdate(peer.encodeStateAsUpdate(from: e.buffer.doc.stateVector), origin: "remote")
        XCTAssertEqual(e.marked, ">> ^wor|ld")
        // Remote edits are not the user's to undo.
        XCTAssertEqual(e.type("<C-z>"), [.bell])
    }

    func testUndoStepsSurviveARestart() throws {
        let clock = TestClock()
        let e = makeEditor("base|", clock: clock)
        e.type(" one")
        clock.advance(2_000)
        e.type(" two")
        let saved = e.buffer.doc.encodeStateAsUpdate()
        let steps = try e.undoManager.undoSteps.map { try UndoManager.Step.decode($0.encoded()) }
        XCTAssertEqual(steps, e.undoManager.undoSteps)
        // A new session: new client id, same document, restored steps.
        let doc = Doc(clientID: 77)
        try doc.applyUpdate(saved)
        let e2 = Editor(buffer: Buffer(doc: doc), path: nil, now: { clock.ms })
        e2.undoManager.restore(undo: steps, redo: [])
        e2.setCursor(UTF8Offset(e2.buffer.string.utf8.count))
        e2.type("<C-z>")
        XCTAssertEqual(e2.buffer.string, "base one")
        e2.type("<C-z>")
        XCTAssertEqual(e2.buffer.string, "base")
        e2.type("<C-y><C-y>")
        XCTAssertEqual(e2.buffer.string, "base one two")
    }

    /// Random keys against a model of the text and cursor (in grapheme clusters).
    func testRandomEditingMatchesAModel() {
        let seed = UInt64(ProcessInfo.processInfo.environment["STET_SEED"] ?? "") ?? UInt64.random(in: 0...UInt64.max)
        print("testRandomEditingMatchesAModel seed: \(seed) (STET_SEED=\(seed) replays)")
        var rng = SplitMix(seed: seed)
        let alphabet: [Character] = ["a", "b", " ", "\n", "é", "e\u{301}", "漢", "👨‍👩‍👧", "🇫🇷", "\t"]
        for round in 0..<20 {
            let e = makeEditor("|")
            var model: [Character] = []
            var cursor = 0
            for step in 0..<150 {
                switch rng.next() % 8 {
                case 0, 1, 2:
                    let c = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    _ = e.handle(c == "\n" ? .key(KeyEvent(.enter)) : c == "\t" ? .paste("\t") : .key(KeyEvent(.char(c))))
                    if c == "\n" {
                        // Auto-indent copies the line's leading blanks before the cursor.
                        var start = cursor
                        while start > 0 && model[start - 1] != "\n" { start -= 1 }
                        let indent = model[start..<cursor].prefix { $0 == " " || $0 == "\t" }
                        let atLineEnd = cursor == model.count || model[cursor] == "\n"
                        if !indent.isEmpty && indent.count == cursor - start && atLineEnd {
                            // A line of only indentation: the blanks move to the new line.
                            model.insert("\n", at: start)
                            cursor += 1
                        } else {
                            model.insert(contentsOf: ["\n"] + indent, at: cursor)
                            cursor += 1 + indent.count
                        }
                    } else {
                        model.insert(c, at: cursor)
                        cursor += 1
                    }
                case 3:
                    _ = e.handle(.key(KeyEvent(.left)))
                    cursor = max(cursor - 1, 0)
                case 4:
                    _ = e.handle(.key(KeyEvent(.right)))
                    cursor = min(cursor + 1, model.count)
                case 5:
                    _ = e.handle(.key(KeyEvent(.delete)))
                    if cursor < model.count { model.remove(at: cursor) }
                case 6:
                    // Backspace (spaces-only prefixes remove an indent step: avoid them by
                    // comparing with what the editor did only when the prefix has no blank run).
                    var start = cursor
                    while start > 0 && model[start - 1] != "\n" { start -= 1 }
                    let prefix = model[start..<cursor]
                    _ = e.handle(.key(KeyEvent(.backspace)))
                    if !prefix.isEmpty && prefix.allSatisfy({ $0 == " " }) {
                        let n = (prefix.count - 1) % 4 + 1
                        model.removeSubrange((cursor - n)..<cursor)
                        cursor -= n
                    } else if cursor > 0 {
                        model.remove(at: cursor - 1)
                        cursor -= 1
                    }
                default:
                    _ = e.handle(.key(KeyEvent(.end, .ctrl)))
                    cursor = model.count
                }
                let expected = String(model)
                guard e.buffer.string == expected, e.buffer.text.string == expected,
                      e.selection.head.value == String(model[..<cursor]).utf8.count else {
                    XCTFail("seed \(seed) round \(round) step \(step): editor \(e.marked.debugDescription) model \(Notation.marked(expected, Selection(cursor: UTF8Offset(String(model[..<cursor]).utf8.count))).debugDescription)")
                    return
                }
                _ = e.render()
            }
        }
    }
}

/// A small seeded generator (SplitMix64) so a failing run can be replayed from its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
