@testable import StetText
import XCTest

final class DisplayWidthTests: XCTestCase {
    func w(_ s: String) -> Int {
        XCTAssertEqual(s.count, 1, "\(s.unicodeScalars.map { String($0.value, radix: 16) }) is not one grapheme")
        return DisplayWidth.width(of: s.first!)
    }

    func testASCIIAndLatin() {
        XCTAssertEqual(w("a"), 1)
        XCTAssertEqual(w(" "), 1)
        XCTAssertEqual(w("~"), 1)
        XCTAssertEqual(w("é"), 1)
        XCTAssertEqual(w("ß"), 1)
        XCTAssertEqual(w("я"), 1)
        XCTAssertEqual(w("α"), 1)
        XCTAssertEqual(w("\u{A0}"), 1)  // no-break space
    }

    func testEastAsianWide() {
        XCTAssertEqual(w("中"), 2)
        XCTAssertEqual(w("日"), 2)
        XCTAssertEqual(w("𠮷"), 2)       // CJK extension B (plane 2)
        XCTAssertEqual(w("\u{30000}"), 2)  // plane 3
        XCTAssertEqual(w("あ"), 2)
        XCTAssertEqual(w("カ"), 2)
        XCTAssertEqual(w("한"), 2)
        XCTAssertEqual(w("\u{1100}\u{1161}\u{11A8}"), 2)  // conjoining jamo L V T: one cluster, width of L
        XCTAssertEqual(w("\u{3000}"), 2)  // ideographic space (Fullwidth)
        XCTAssertEqual(w("Ａ"), 2)        // fullwidth A
        XCTAssertEqual(w("。"), 2)
        XCTAssertEqual(w("ｶ"), 1)         // halfwidth katakana
        XCTAssertEqual(w("ﾟ"), 1)
        XCTAssertEqual(w("\u{2329}"), 2)
        XCTAssertEqual(w("\u{232B}"), 1)
        XCTAssertTrue(DisplayWidth.isWide("\u{4DBF}"))
        XCTAssertFalse(DisplayWidth.isWide("\u{4DC0}"))  // hexagram symbols are neutral
        XCTAssertTrue(DisplayWidth.isWide("\u{FF01}"))
        XCTAssertFalse(DisplayWidth.isWide("\u{FF61}"))
        XCTAssertTrue(DisplayWidth.isWide("\u{3FFFD}"))
        XCTAssertFalse(DisplayWidth.isWide("\u{40000}"))
    }

    func testEmoji() {
        XCTAssertEqual(w("😀"), 2)
        XCTAssertEqual(w("🎉"), 2)
        XCTAssertEqual(w("⌚"), 2)          // Emoji_Presentation in the BMP
        XCTAssertEqual(w("👍🏽"), 2)         // skin tone
        XCTAssertEqual(w("👨‍👩‍👧‍👦"), 2)        // ZWJ family
        XCTAssertEqual(w("👩🏽‍💻"), 2)
        XCTAssertEqual(w("🏳️‍🌈"), 2)
        XCTAssertEqual(w("🏴󠁧󠁢󠁥󠁮󠁧󠁿"), 2)   // tag sequence (England)
        XCTAssertEqual(w("🇩🇪"), 2)        // flag
        XCTAssertEqual(w("🇺"), 2)         // lone regional indicator (Emoji_Presentation)
        XCTAssertEqual(w("❤️"), 2)          // text-default emoji + VS16
        XCTAssertEqual(w("❤"), 1)           // text presentation by default
        XCTAssertEqual(w("☺"), 1)
        XCTAssertEqual(w("☺️"), 2)
        XCTAssertEqual(w("1️⃣"), 2)         // keycap with VS16
        XCTAssertEqual(w("#️⃣"), 2)
        XCTAssertEqual(w("☝🏻"), 2)        // text-default base + skin tone modifier
        XCTAssertEqual(w("🏻"), 2)         // a modifier on its own
        XCTAssertEqual(w("🫩"), 2)         // Unicode 16.0
        XCTAssertEqual(w("a\u{FE0F}"), 1)  // VS16 after a non-emoji changes nothing
        XCTAssertEqual(DisplayWidth.width(of: "🇩🇪🇫🇷"), 4)
        XCTAssertEqual(DisplayWidth.width(of: "a😀b"), 4)
    }

    func testCombiningAndZeroWidth() {
        XCTAssertEqual(w("e\u{301}"), 1)
        XCTAssertEqual(w("e\u{301}\u{302}\u{303}"), 1)
        XCTAssertEqual(w("a\u{20DD}"), 1)          // enclosing mark
        XCTAssertEqual(w("中\u{301}"), 2)          // wide base keeps its width
        XCTAssertEqual(w("ก\u{E31}"), 1)           // Thai
        XCTAssertEqual(w("क\u{94D}\u{937}"), 1)    // Devanagari conjunct (one cluster, base width)
        XCTAssertEqual(DisplayWidth.width(of: "e\u{301}e\u{301}"), 2)
        XCTAssertTrue(DisplayWidth.isZeroWidth("\u{301}"))
        XCTAssertTrue(DisplayWidth.isZeroWidth("\u{200D}"))
        XCTAssertTrue(DisplayWidth.isZeroWidth("\u{FE0F}"))
        XCTAssertTrue(DisplayWidth.isZeroWidth("\u{E0100}"))
        XCTAssertTrue(DisplayWidth.isZeroWidth("\u{1161}"))
        XCTAssertFalse(DisplayWidth.isZeroWidth("a"))
        XCTAssertFalse(DisplayWidth.isZeroWidth("\u{600}"))  // Arabic number sign is visible
        // A mark without a base is drawn on a dotted circle, one column.
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{301}"), .text("\u{25CC}\u{301}", width: 1))
        XCTAssertEqual(w("\u{301}"), 1)
    }

    func testControlsAreVisible() {
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{1}"), .control("^A"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{0}"), .control("^@"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{1B}"), .control("^["))
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{7F}"), .control("^?"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\r"), .control("^M"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\r\n"), .control("^M^J"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{85}"), .control("<85>"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{200B}"), .control("<200b>"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{FEFF}"), .control("<feff>"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{202E}"), .control("<202e>"))  // bidi override
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{2028}"), .control("<2028>"))
        XCTAssertEqual(DisplayWidth.glyph(for: "\u{200D}"), .control("<200d>"))  // a ZWJ on its own
        XCTAssertEqual(w("\u{1}"), 2)
        XCTAssertEqual(w("\u{7F}"), 2)
        XCTAssertEqual(w("\u{200B}"), 6)
        XCTAssertEqual(DisplayWidth.visibleControl("\u{1F}"), "^_")
        XCTAssertNil(DisplayWidth.visibleControl("\t"))
        XCTAssertNil(DisplayWidth.visibleControl("a"))
        XCTAssertNil(DisplayWidth.visibleControl("é"))
    }

    func testTabs() {
        XCTAssertEqual(DisplayWidth.glyph(for: "\t"), .tab)
        XCTAssertEqual(DisplayWidth.width(of: "\t", atColumn: Column(0), tabWidth: 8), 8)
        XCTAssertEqual(DisplayWidth.width(of: "\t", atColumn: Column(3), tabWidth: 8), 5)
        XCTAssertEqual(DisplayWidth.width(of: "\t", atColumn: Column(7), tabWidth: 8), 1)
        XCTAssertEqual(DisplayWidth.width(of: "\t", atColumn: Column(8), tabWidth: 8), 8)
        XCTAssertEqual(DisplayWidth.width(of: "\t", atColumn: Column(5), tabWidth: 4), 3)
        XCTAssertEqual(DisplayWidth.width(of: "ab\tc", tabWidth: 4), 5)
        XCTAssertEqual(DisplayWidth.width(of: "中\t中", tabWidth: 4), 6)
    }

    /// The wide table is sorted and disjoint (the binary search relies on it).
    func testWideTableIsSorted() {
        var prev: UInt32 = 0
        for (k, r) in wideRanges.enumerated() {
            XCTAssertLessThanOrEqual(r.0, r.1, "range \(k)")
            if k > 0 { XCTAssertGreaterThan(r.0, prev + 1, "range \(k) overlaps or touches the previous one") }
            prev = r.1
            XCTAssertTrue(DisplayWidth.isWide(Unicode.Scalar(r.0)!))
            XCTAssertTrue(DisplayWidth.isWide(Unicode.Scalar(r.1)!))
            if let after = Unicode.Scalar(r.1 + 1), k + 1 < wideRanges.count, wideRanges[k + 1].0 != r.1 + 1 {
                XCTAssertFalse(DisplayWidth.isWide(after))
            }
        }
        // Every Emoji_Presentation scalar is drawn wide.
        var v: UInt32 = 0
        while v < 0x20000 {
            if let s = Unicode.Scalar(v), s.properties.isEmojiPresentation {
                XCTAssertEqual(DisplayWidth.width(of: Character(s)), 2, String(v, radix: 16))
            }
            v += 1
        }
    }
}
