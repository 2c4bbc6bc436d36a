import CNcurses
import StetEditor
import XCTest

@testable import StetTerminal

final class KeyDecoderTests: XCTestCase {
    private func char(_ v: UInt32) -> KeyEvent? {
        KeyDecoder.decode(code: v, isKeyCode: false, keyName: nil)
    }

    private func named(_ name: String) -> KeyEvent? {
        KeyDecoder.decode(code: 0, isKeyCode: true, keyName: name)
    }

    func testControlCharacters() {
        XCTAssertEqual(char(0x01), KeyEvent(.char("a"), .ctrl))
        XCTAssertEqual(char(0x03), KeyEvent(.char("c"), .ctrl))
        XCTAssertEqual(char(0x11), KeyEvent(.char("q"), .ctrl))
        XCTAssertEqual(char(0x13), KeyEvent(.char("s"), .ctrl))
        XCTAssertEqual(char(0x19), KeyEvent(.char("y"), .ctrl))
        XCTAssertEqual(char(0x1A), KeyEvent(.char("z"), .ctrl))
        XCTAssertEqual(char(0x09), KeyEvent(.tab))
        XCTAssertEqual(char(0x0D), KeyEvent(.enter))
        XCTAssertEqual(char(0x0A), KeyEvent(.enter))
        XCTAssertEqual(char(0x7F), KeyEvent(.backspace))
        XCTAssertEqual(char(0x08), KeyEvent(.backspace))
        XCTAssertEqual(char(0x1B), KeyEvent(.escape))
        XCTAssertEqual(char(0x00), KeyEvent(.char(" "), .ctrl))
        XCTAssertEqual(char(0x1C), KeyEvent(.char("\\"), .ctrl))
        XCTAssertEqual(char(0x1D), KeyEvent(.char("]"), .ctrl))
        XCTAssertEqual(char(0x1E), KeyEvent(.char("^"), .ctrl))
        XCTAssertEqual(char(0x1F), KeyEvent(.char("/"), .ctrl))
        XCTAssertNil(char(0x85), "C1 controls are no keys")
    }

    func testEveryControlLetterIsCtrlLetter() {
        let special: Set<UInt32> = [0x08, 0x09, 0x0A, 0x0D]
        for code in UInt32(1)...26 where !special.contains(code) {
            let letter = Character(Unicode.Scalar(UInt8(0x60 + code)))
            XCTAssertEqual(char(code), KeyEvent(.char(letter), .ctrl), "code \(code)")
        }
    }

    func testPrintableCharacters() {
        XCTAssertEqual(char(0x61), KeyEvent(.char("a")))
        XCTAssertEqual(char(0x41), KeyEvent(.char("A")))
        XCTAssertEqual(char(0x20), KeyEvent(.char(" ")))
        XCTAssertEqual(char(0xE9), KeyEvent(.char("é")))
        XCTAssertEqual(char(0x4E2D), KeyEvent(.char("中")))
        XCTAssertEqual(char(0x1F642), KeyEvent(.char("🙂")))
        XCTAssertNil(char(0xD800), "a surrogate is not a scalar")
    }

    func testStandardKeyNames() {
        let table: [(String, KeyEvent)] = [
            ("KEY_UP", KeyEvent(.up)), ("KEY_DOWN", KeyEvent(.down)),
            ("KEY_LEFT", KeyEvent(.left)), ("KEY_RIGHT", KeyEvent(.right)),
            ("KEY_HOME", KeyEvent(.home)), ("KEY_END", KeyEvent(.end)),
            ("KEY_PPAGE", KeyEvent(.pageUp)), ("KEY_NPAGE", KeyEvent(.pageDown)),
            ("KEY_DC", KeyEvent(.delete)), ("KEY_IC", KeyEvent(.insert)),
            ("KEY_BACKSPACE", KeyEvent(.backspace)), ("KEY_ENTER", KeyEvent(.enter)),
            ("KEY_BTAB", KeyEvent(.tab, .shift)),
            ("KEY_SLEFT", KeyEvent(.left, .shift)), ("KEY_SRIGHT", KeyEvent(.right, .shift)),
            ("KEY_SR", KeyEvent(.up, .shift)), ("KEY_SF", KeyEvent(.down, .shift)),
            ("KEY_SHOME", KeyEvent(.home, .shift)), ("KEY_SEND", KeyEvent(.end, .shift)),
            ("KEY_SPREVIOUS", KeyEvent(.pageUp, .shift)),
            ("KEY_SNEXT", KeyEvent(.pageDown, .shift)),
            ("KEY_SDC", KeyEvent(.delete, .shift)), ("KEY_SIC", KeyEvent(.insert, .shift)),
        ]
        for (name, key) in table { XCTAssertEqual(named(name), key, name) }
        XCTAssertNil(named("KEY_RESIZE"))
        XCTAssertNil(named("KEY_MOUSE"))
        XCTAssertNil(named("nonsense"))
        XCTAssertNil(KeyDecoder.decode(code: 0x41, isKeyCode: true, keyName: nil))
    }

    func testFunctionKeys() {
        XCTAssertEqual(named("KEY_F(1)"), KeyEvent(.function(1)))
        XCTAssertEqual(named("KEY_F(12)"), KeyEvent(.function(12)))
        XCTAssertEqual(named("KEY_F(13)"), KeyEvent(.function(1), .shift))
        XCTAssertEqual(named("KEY_F(17)"), KeyEvent(.function(5), .shift), "Shift-F5")
        XCTAssertEqual(named("KEY_F(24)"), KeyEvent(.function(12), .shift))
        XCTAssertEqual(named("KEY_F(26)"), KeyEvent(.function(2), .ctrl))
        XCTAssertEqual(named("KEY_F(40)"), KeyEvent(.function(4), [.ctrl, .shift]))
        XCTAssertEqual(named("KEY_F(49)"), KeyEvent(.function(1), .alt))
        XCTAssertNil(named("KEY_F(0)"))
        XCTAssertNil(named("KEY_F(64)"))
    }

    func testExtendedModifiedKeyNames() {
        XCTAssertEqual(named("kUP5"), KeyEvent(.up, .ctrl))
        XCTAssertEqual(named("kDN5"), KeyEvent(.down, .ctrl))
        XCTAssertEqual(named("kRIT6"), KeyEvent(.right, [.ctrl, .shift]))
        XCTAssertEqual(named("kLFT3"), KeyEvent(.left, .alt))
        XCTAssertEqual(named("kLFT4"), KeyEvent(.left, [.alt, .shift]))
        XCTAssertEqual(named("kLFT2"), KeyEvent(.left, .shift))
        XCTAssertEqual(named("kUP7"), KeyEvent(.up, [.ctrl, .alt]))
        XCTAssertEqual(named("kUP8"), KeyEvent(.up, [.ctrl, .alt, .shift]))
        XCTAssertEqual(named("kHOM5"), KeyEvent(.home, .ctrl))
        XCTAssertEqual(named("kEND6"), KeyEvent(.end, [.ctrl, .shift]))
        XCTAssertEqual(named("kPRV5"), KeyEvent(.pageUp, .ctrl))
        XCTAssertEqual(named("kNXT3"), KeyEvent(.pageDown, .alt))
        XCTAssertEqual(named("kDC5"), KeyEvent(.delete, .ctrl))
        XCTAssertEqual(named("kIC3"), KeyEvent(.insert, .alt))
        XCTAssertEqual(named("kUP"), KeyEvent(.up, .shift), "no digit: Shift")
        XCTAssertEqual(named("kDC"), KeyEvent(.delete, .shift))
        XCTAssertNil(named("kUP9"))
        XCTAssertNil(named("kUP1"))
        XCTAssertNil(named("kFOO5"))
    }

    func testXtermModifierParameter() {
        XCTAssertEqual(KeyDecoder.modifiers(xtermParameter: 1), [])
        XCTAssertEqual(KeyDecoder.modifiers(xtermParameter: 2), .shift)
        XCTAssertEqual(KeyDecoder.modifiers(xtermParameter: 3), .alt)
        XCTAssertEqual(KeyDecoder.modifiers(xtermParameter: 4), [.alt, .shift])
        XCTAssertEqual(KeyDecoder.modifiers(xtermParameter: 5), .ctrl)
        XCTAssertEqual(KeyDecoder.modifiers(xtermParameter: 6), [.ctrl, .shift])
        XCTAssertEqual(KeyDecoder.modifiers(xtermParameter: 7), [.ctrl, .alt])
        XCTAssertEqual(KeyDecoder.modifiers(xtermParameter: 9), .alt, "Meta counts as Alt")
    }

    /// The names the decoder expects are the ones this machine's ncurses gives its codes.
    func testRealNcursesKeyNamesDecode() {
        func name(_ code: Int32) -> String? { keyname(code).map { String(cString: $0) } }
        let table: [(Int32, KeyEvent)] = [
            (KEY_UP, KeyEvent(.up)), (KEY_DOWN, KeyEvent(.down)), (KEY_LEFT, KeyEvent(.left)),
            (KEY_RIGHT, KeyEvent(.right)), (KEY_HOME, KeyEvent(.home)), (KEY_END, KeyEvent(.end)),
            (KEY_PPAGE, KeyEvent(.pageUp)), (KEY_NPAGE, KeyEvent(.pageDown)),
            (KEY_DC, KeyEvent(.delete)), (KEY_IC, KeyEvent(.insert)),
            (KEY_BACKSPACE, KeyEvent(.backspace)), (KEY_ENTER, KeyEvent(.enter)),
            (KEY_BTAB, KeyEvent(.tab, .shift)), (KEY_SLEFT, KeyEvent(.left, .shift)),
            (KEY_SRIGHT, KeyEvent(.right, .shift)), (KEY_SR, KeyEvent(.up, .shift)),
            (KEY_SF, KeyEvent(.down, .shift)), (KEY_SHOME, KeyEvent(.home, .shift)),
            (KEY_SEND, KeyEvent(.end, .shift)), (KEY_SPREVIOUS, KeyEvent(.pageUp, .shift)),
            (KEY_SNEXT, KeyEvent(.pageDown, .shift)), (KEY_SDC, KeyEvent(.delete, .shift)),
            (KEY_F0 + 1, KeyEvent(.function(1))), (KEY_F0 + 17, KeyEvent(.function(5), .shift)),
        ]
        for (code, key) in table {
            let n = name(code)
            XCTAssertEqual(n.flatMap { named($0) }, key, "code \(code) named \(n ?? "nil")")
        }
        XCTAssertEqual(name(stet_key_resize()), "KEY_RESIZE")
    }
}
