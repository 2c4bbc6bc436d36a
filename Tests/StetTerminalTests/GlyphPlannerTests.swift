import XCTest

@testable import StetTerminal

final class GlyphPlannerTests: XCTestCase {
    /// glibc's widths for the scalars used here.
    private func wcwidth(_ s: UInt32) -> Int {
        switch s {
        case 0x300...0x36F, 0x200D, 0xFE0F, 0x20E3: return 0
        case 0x4E00...0x9FFF, 0x1F300...0x1F64F, 0x1F3FB...0x1F3FF: return 2
        case 0x00...0x1F, 0x7F...0x9F: return -1
        default: return 1
        }
    }

    private func plan(_ text: String, _ width: Int) -> [[UInt32]] {
        GlyphPlanner.plan(text, width: width, columnWidth: wcwidth)
    }

    private func scalars(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

    private func columns(_ cells: [[UInt32]]) -> Int {
        cells.reduce(0) { $0 + wcwidth($1[0]) }
    }

    func testPlainAndWide() {
        XCTAssertEqual(plan("a", 1), [scalars("a")])
        XCTAssertEqual(plan("中", 2), [scalars("中")])
        XCTAssertEqual(plan("🙂", 2), [scalars("🙂")])
        XCTAssertEqual(plan("", 1), [[0x20]])
        XCTAssertEqual(plan(" ", 1), [[0x20]])
        XCTAssertEqual(plan("", 0), [], "continuation cells are never drawn")
        XCTAssertEqual(plan("x", 0), [])
    }

    func testCombiningMarksStayWithTheirBase() {
        XCTAssertEqual(plan("e\u{301}", 1), [scalars("e\u{301}")])
        XCTAssertEqual(
            plan("a\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}", 1),
            [scalars("a\u{301}\u{302}\u{303}\u{304}")], "ncurses holds four marks")
    }

    func testZWJSequenceKeepsItsFirstEmoji() {
        XCTAssertEqual(plan("👨‍👩‍👧", 2), [[0x1F468]])
    }

    func testSkinToneIsDropped() {
        XCTAssertEqual(plan("👍🏽", 2), [[0x1F44D]])
    }

    func testFlagsBecomeLetters() {
        XCTAssertEqual(plan("🇫🇷", 2), [scalars("F"), scalars("R")])
        XCTAssertEqual(plan("🇫", 2), [scalars("F"), [0x20]])
    }

    func testNarrowBaseInWideCellIsPadded() {
        XCTAssertEqual(plan("❤️", 2), [[0x2764], [0x20]])
        XCTAssertEqual(plan("1️⃣", 2), [[0x31], [0x20]])
    }

    func testVS16IsDroppedAfterANarrowBaseInANarrowCell() {
        XCTAssertEqual(plan("❤️", 1), [[0x2764]])
    }

    func testMismatchesUseAReplacement() {
        XCTAssertEqual(plan("中", 1), [[0xFFFD]])
        XCTAssertEqual(plan("\u{1}", 1), [[0xFFFD]])
        XCTAssertEqual(plan("\u{1}", 2), [[0xFFFD], [0x20]])
        let asciiOnly = GlyphPlanner.plan("中", width: 1) {
            $0 == 0xFFFD ? -1 : 1 + ($0 > 0x1000 ? 1 : 0)
        }
        XCTAssertEqual(asciiOnly, [[0x3F]])
    }

    /// Whatever the cell holds, what is drawn covers exactly the cell's columns.
    func testAlignmentIsAlwaysKept() {
        let samples = [
            "a", "中", "🙂", "👨‍👩‍👧", "🇫🇷", "🇫", "❤️", "1️⃣", "e\u{301}", "\u{301}",
            "\u{1}", "👍🏽", "", " ",
        ]
        for text in samples {
            for width in 1...2 {
                XCTAssertEqual(
                    columns(plan(text, width)), width, "\(text.debugDescription) in \(width)")
            }
        }
    }
}
