import StetEditor
import XCTest

@testable import StetTerminal

/// The characters of `text` as `get_wch` delivers them: one scalar at a time.
func raw(_ text: String) -> [RawInput] {
    text.unicodeScalars.map { .character($0.value) }
}

func key(_ k: Key, _ m: Modifiers = []) -> Event { .key(KeyEvent(k, m)) }
func char(_ c: Character, _ m: Modifiers = []) -> Event { key(.char(c), m) }

final class InputDecoderTests: XCTestCase {
    private func decode(_ batches: [RawInput]...) -> [Event] {
        var decoder = InputDecoder()
        var out: [Event] = []
        for batch in batches { out += decoder.decode(batch) }
        return out + decoder.flush()
    }

    func testPlainTextAndControls() {
        XCTAssertEqual(
            decode(raw("ab\r\t\u{7F}\u{03}")),
            [
                char("a"), char("b"), key(.enter), key(.tab), key(.backspace), char("c", .ctrl),
            ])
    }

    func testLoneEscapeAndAlt() {
        XCTAssertEqual(decode(raw("\u{1B}")), [key(.escape)])
        XCTAssertEqual(decode(raw("\u{1B}x")), [char("x", .alt)])
        XCTAssertEqual(decode(raw("\u{1B}xy")), [char("x", .alt), char("y")])
        XCTAssertEqual(decode(raw("\u{1B}X")), [char("X", .alt)])
        XCTAssertEqual(decode(raw("\u{1B}\u{1B}")), [key(.escape), key(.escape)])
        XCTAssertEqual(decode(raw("\u{1B}\r")), [key(.enter, .alt)])
        XCTAssertEqual(decode(raw("\u{1B}\u{7F}")), [key(.backspace, .alt)])
        XCTAssertEqual(decode(raw("\u{1B}\u{01}")), [char("a", [.ctrl, .alt])])
        XCTAssertEqual(decode(raw("\u{1B}é")), [char("é", .alt)])
        XCTAssertEqual(decode(raw("\u{1B}") + [.key(name: "KEY_UP")]), [key(.up, .alt)])
        XCTAssertEqual(
            decode(raw("\u{1B}"), raw("x")), [key(.escape), char("x")],
            "ESC and x in different drains are two keys")
        XCTAssertEqual(decode(raw("\u{1B}[")), [char("[", .alt)])
        XCTAssertEqual(decode(raw("\u{1B}O")), [char("O", .alt)])
        XCTAssertEqual(decode(raw("\u{1B}Ox")), [char("O", .alt), char("x")])
    }

    func testKeyCodes() {
        XCTAssertEqual(
            decode([.key(name: "kUP5"), .key(name: "KEY_F(17)"), .key(name: "KEY_MOUSE")]),
            [key(.up, .ctrl), key(.function(5), .shift)])
    }

    func testGraphemeGrouping() {
        let family = "👨‍👩‍👧"
        XCTAssertEqual(decode(raw(family)), [char("👨‍👩‍👧")])
        XCTAssertEqual(decode(raw("a🇫🇷b")), [char("a"), char("🇫🇷"), char("b")])
        XCTAssertEqual(decode(raw("e\u{301}x")), [char("e\u{301}"), char("x")])
        XCTAssertEqual(decode(raw("👍🏽")), [char("👍🏽")])
        XCTAssertEqual(
            decode(raw("ab\rcd")), [char("a"), char("b"), key(.enter), char("c"), char("d")])
        XCTAssertEqual(decode(raw("\u{1B}e\u{301}")), [char("e\u{301}", .alt)])
        guard case .key(let k)? = decode(raw(family)).first, case .char(let c) = k.key else {
            return XCTFail("no char")
        }
        XCTAssertEqual(c.unicodeScalars.count, 5)
    }

    func testBracketedPasteWithDefinedKeys() {
        let events = decode([.pasteBegin] + raw("one\rtwo\r\nthree\t👨‍👩‍👧") + [.pasteEnd] + raw("x"))
        XCTAssertEqual(events, [.paste("one\ntwo\r\nthree\t👨‍👩‍👧"), char("x")])
    }

    func testPasteAcrossDrainsAndLoneCRAtEnd() {
        let events = decode([.pasteBegin] + raw("ab"), raw("\rc\r"), [.pasteEnd])
        XCTAssertEqual(events, [.paste("ab\nc\n")])
    }

    func testPasteKeepsControlsAndEscapesAsText() {
        let events = decode(
            [.pasteBegin] + raw("a\u{1B}[Ab\u{03}") + [.key(name: "KEY_UP"), .pasteEnd])
        XCTAssertEqual(events, [.paste("a\u{1B}[Ab\u{03}")])
    }

    func testPasteMarkersAsPlainCharacters() {
        XCTAssertEqual(
            decode(raw("\u{1B}[200~hi\nthere\u{1B}[201~z")),
            [.paste("hi\nthere"), char("z")])
    }

    func testUnfinishedPasteIsDeliveredOnFinish() {
        var decoder = InputDecoder()
        XCTAssertEqual(decoder.decode([.pasteBegin] + raw("abc")), [])
        XCTAssertTrue(decoder.isPasting)
        XCTAssertEqual(decoder.finishPaste(), [.paste("abc")])
        XCTAssertFalse(decoder.isPasting)
        XCTAssertEqual(decoder.decode(raw("d")), [char("d")])
    }

    func testEmptyPasteIsNoEvent() {
        XCTAssertEqual(decode([.pasteBegin, .pasteEnd]), [])
    }

    func testResizesCoalesce() {
        XCTAssertEqual(
            decode([.resize(rows: 10, columns: 20), .resize(rows: 11, columns: 21)] + raw("a")),
            [.resize(rows: 11, columns: 21), char("a")])
    }

    func testSGRMouse() {
        XCTAssertEqual(
            decode(raw("\u{1B}[<0;10;5M\u{1B}[<32;11;5M\u{1B}[<0;11;5m")),
            [
                .mouse(MouseEvent(.press, row: 4, column: 9)),
                .mouse(MouseEvent(.drag, row: 4, column: 10)),
                .mouse(MouseEvent(.release, row: 4, column: 10)),
            ])
        XCTAssertEqual(
            decode(raw("\u{1B}[<64;300;2M\u{1B}[<65;1;1M")),
            [
                .mouse(MouseEvent(.wheelUp, row: 1, column: 299)),
                .mouse(MouseEvent(.wheelDown, row: 0, column: 0)),
            ])
        XCTAssertEqual(
            decode(raw("\u{1B}[<20;3;4M")),
            [.mouse(MouseEvent(.press, row: 3, column: 2, modifiers: [.shift, .ctrl]))])
        XCTAssertEqual(
            decode(raw("\u{1B}[<8;3;4M")),
            [.mouse(MouseEvent(.press, row: 3, column: 2, modifiers: .alt))])
        XCTAssertEqual(
            decode(raw("\u{1B}[<2;3;4M\u{1B}[<1;3;4M\u{1B}[<35;3;4M\u{1B}[<66;1;1M")), [],
            "right and middle buttons, motion without a button, horizontal wheel")
    }

    func testLegacyMouse() {
        let press = "\u{1B}[M" + String(UnicodeScalar(32)) + "!!"
        let release = "\u{1B}[M" + String(UnicodeScalar(35)) + "*%"
        XCTAssertEqual(
            decode(raw(press + release)),
            [
                .mouse(MouseEvent(.press, row: 0, column: 0)),
                .mouse(MouseEvent(.release, row: 4, column: 9)),
            ])
    }

    func testCSIuAndModifyOtherKeys() {
        XCTAssertEqual(decode(raw("\u{1B}[90;6u")), [char("z", [.ctrl, .shift])])
        XCTAssertEqual(decode(raw("\u{1B}[122;6u")), [char("z", [.ctrl, .shift])])
        XCTAssertEqual(decode(raw("\u{1B}[27;6;90~")), [char("z", [.ctrl, .shift])])
        XCTAssertEqual(decode(raw("\u{1B}[27;5;59~")), [char(";", .ctrl)])
        XCTAssertEqual(decode(raw("\u{1B}[97;5u")), [char("a", .ctrl)])
        XCTAssertEqual(decode(raw("\u{1B}[97;3u")), [char("a", .alt)])
        XCTAssertEqual(decode(raw("\u{1B}[97;2u")), [char("A")])
        XCTAssertEqual(decode(raw("\u{1B}[13;2u")), [key(.enter, .shift)])
        XCTAssertEqual(decode(raw("\u{1B}[27u")), [key(.escape)])
        XCTAssertEqual(decode(raw("\u{1B}[127;5u")), [key(.backspace, .ctrl)])
        XCTAssertEqual(decode(raw("\u{1B}[57399u")), [], "kitty keypad keys are ignored")
    }

    func testXtermSequencesNcursesDidNotKnow() {
        XCTAssertEqual(
            decode(raw("\u{1B}[A\u{1B}[1;5D\u{1B}[3;2~\u{1B}[5;5~\u{1B}[15;2~\u{1B}[Z")),
            [
                key(.up), key(.left, .ctrl), key(.delete, .shift), key(.pageUp, .ctrl),
                key(.function(5), .shift), key(.tab, .shift),
            ])
        XCTAssertEqual(
            decode(raw("\u{1B}OA\u{1B}OP\u{1B}[1;3H")),
            [key(.up), key(.function(1)), key(.home, .alt)])
    }

    func testUnknownSequencesAreDropped() {
        XCTAssertEqual(decode(raw("\u{1B}[I\u{1B}[?1;2c\u{1B}[99~x")), [char("x")])
    }

    func testMalformedSequenceFallsBackToAltBracket() {
        XCTAssertEqual(
            decode(raw("\u{1B}[1\u{03}")), [char("[", .alt), char("1"), char("c", .ctrl)])
    }

    func testSequenceCutAcrossDrains() {
        var decoder = InputDecoder()
        XCTAssertEqual(decoder.decode(raw("a\u{1B}[<0;1")), [char("a")])
        XCTAssertTrue(decoder.hasPendingSequence)
        XCTAssertEqual(decoder.decode(raw("0;5M")), [.mouse(MouseEvent(.press, row: 4, column: 9))])
        XCTAssertFalse(decoder.hasPendingSequence)
    }

    func testCutOffSequenceFlushesAsText() {
        var decoder = InputDecoder()
        XCTAssertEqual(decoder.decode(raw("\u{1B}[12")), [])
        XCTAssertEqual(decoder.flush(), [char("[", .alt), char("1"), char("2")])
        XCTAssertFalse(decoder.hasPendingSequence)
    }

    func testLegacyMouseCutAcrossDrains() {
        var decoder = InputDecoder()
        XCTAssertEqual(decoder.decode(raw("\u{1B}[M ")), [])
        XCTAssertEqual(decoder.decode(raw("!!")), [.mouse(MouseEvent(.press, row: 0, column: 0))])
    }

    func testLineBreakNormalization() {
        func n(_ s: String) -> String { InputDecoder.normalizeLineBreaks(s.unicodeScalars) }
        XCTAssertEqual(n("a\rb"), "a\nb")
        XCTAssertEqual(n("a\r\nb"), "a\r\nb")
        XCTAssertEqual(n("a\r\r\nb\r"), "a\n\r\nb\n")
        XCTAssertEqual(n("\n\n"), "\n\n")
        XCTAssertEqual(n(""), "")
    }
}
