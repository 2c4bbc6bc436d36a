import XCTest

@testable import StetTerminal

final class ClipboardTests: XCTestCase {
    func testBase64MatchesRFC4648Vectors() {
        let vectors = [
            "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==",
            "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy",
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(OSC52.base64(Array(plain.utf8)), encoded, plain)
        }
        XCTAssertEqual(OSC52.base64([0xFF, 0xFE, 0x00]), "//4A")
    }

    func testPlainSequence() {
        XCTAssertEqual(
            OSC52.sequences(for: "héllo", insideTmux: false),
            ["\u{1B}]52;c;aMOpbGxv\u{07}"])
    }

    func testTmuxAlsoGetsThePassthroughForm() {
        let sequences = OSC52.sequences(for: "hi", insideTmux: true)
        XCTAssertEqual(
            sequences,
            [
                "\u{1B}]52;c;aGk=\u{07}",
                "\u{1B}Ptmux;\u{1B}\u{1B}]52;c;aGk=\u{07}\u{1B}\\",
            ])
    }
}

final class TerminalOptionsTests: XCTestCase {
    func testNoColorFollowsTheConvention() {
        XCTAssertFalse(TerminalOptions(environment: [:]).noColor)
        XCTAssertFalse(TerminalOptions(environment: ["NO_COLOR": ""]).noColor)
        XCTAssertTrue(TerminalOptions(environment: ["NO_COLOR": "1"]).noColor)
        XCTAssertTrue(TerminalOptions(environment: ["NO_COLOR": "0"]).noColor)
    }

    func testDefaults() {
        let options = TerminalOptions(environment: ["TERM": "xterm-256color"])
        XCTAssertTrue(options.mouse)
        XCTAssertFalse(options.insideTmux)
        XCTAssertTrue(options.modifyOtherKeys)
        XCTAssertEqual(options.escapeDelayMilliseconds, 25)
    }

    func testTmuxAndTerminalType() {
        XCTAssertTrue(TerminalOptions(environment: ["TMUX": "/tmp/tmux-0/default,1,0"]).insideTmux)
        XCTAssertFalse(TerminalOptions(environment: ["TERM": "linux"]).modifyOtherKeys)
        XCTAssertFalse(TerminalOptions(environment: ["TERM": "vt100"]).modifyOtherKeys)
        XCTAssertFalse(TerminalOptions(environment: [:]).modifyOtherKeys)
        XCTAssertTrue(TerminalOptions(environment: ["TERM": "tmux-256color"]).modifyOtherKeys)
    }

    func testErrorMessageTellsToRunInATerminal() {
        XCTAssertTrue(TerminalError.notATerminal.description.contains("run stet in a terminal"))
    }
}

final class TerminalSequencesTests: XCTestCase {
    func testEnableAndDisableMatch() {
        var options = TerminalOptions(environment: ["TERM": "xterm"])
        XCTAssertEqual(
            TerminalSequences.enable(options),
            "\u{1B}[?1002h\u{1B}[?1006h\u{1B}[?2004h\u{1B}[>4;1m")
        XCTAssertEqual(
            TerminalSequences.disable(options),
            "\u{1B}[?1006l\u{1B}[?1002l\u{1B}[?1000l\u{1B}[?2004l\u{1B}[>4m")
        options.mouse = false
        options.modifyOtherKeys = false
        XCTAssertEqual(TerminalSequences.enable(options), "\u{1B}[?2004h")
        XCTAssertEqual(TerminalSequences.disable(options), "\u{1B}[?2004l")
    }

    func testEmergencyRestoreUsesTerminfoAndFallsBack() {
        let options = TerminalOptions(environment: ["TERM": "xterm"])
        let caps = ["sgr0": "<sgr0>", "rmkx": "<rmkx>", "cnorm": "<cnorm>", "rmcup": "<rmcup>"]
        XCTAssertEqual(
            TerminalSequences.emergencyRestore(options) { caps[$0] },
            TerminalSequences.disable(options) + "<sgr0><rmkx><cnorm><rmcup>")
        XCTAssertEqual(
            TerminalSequences.emergencyRestore(options) { _ in nil },
            TerminalSequences.disable(options) + "\u{1B}[0m\u{1B}[?25h")
    }
}
