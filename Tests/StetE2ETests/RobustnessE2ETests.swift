import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Signals, the terminal state after exit, and arguments the editor must refuse.
final class RobustnessE2ETests: E2ETestCase {
    /// Runs stet inside a shell that records the terminal settings before and after, so the
    /// restore is checked by the tty itself (`stty -g` identical, `icanon`/`echo` back on).
    private let ttyWrapper = """
        stty -g > before.stty
        "$STET" "$1"; echo "EXITED $?"
        stty -g > after.stty
        stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo|isig)$' | tr '\\n' ' '; echo
        echo DONE; exec sleep 100000
        """

    /// Checks the screen the wrapper left: exit status, tty flags, stty, no editor screen.
    private func assertRestored(_ s: Screen, status: Int32, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(s.contains("EXITED \(status)"), "exit status of stet (expected \(status)):\n\(s)", file: file, line: line)
        // The tty is back in cooked mode with echo and signals, and every setting is as before.
        let flags = s.lines.first { $0.contains("icanon") } ?? ""
        XCTAssertEqual(flags.split(separator: " ").sorted(), ["echo", "icanon", "isig"], "tty flags after exit:\n\(s)", file: file, line: line)
        let before = ws.text("before.stty") ?? ""
        XCTAssertFalse(before.isEmpty, "stty -g printed nothing before", file: file, line: line)
        XCTAssertEqual(ws.text("after.stty"), before, "stty -g differs after exit", file: file, line: line)
        // The alternate screen is gone: the shell's lines start at the top, the editor's
        // status bar is not left behind.
        XCTAssertTrue(s.row(0).hasPrefix("EXITED "), "shell output not at the top:\n\(s)", file: file, line: line)
        XCTAssertFalse(s.contains("F1 help"), "editor screen left behind:\n\(s)", file: file, line: line)
    }

    private func editThenSignal(_ signal: Int32, file: StaticString = #filePath, line: UInt = #line) throws {
        try ws.write("s.txt", "saved text\n")
        tmux.startShell(ttyWrapper, ["s.txt"], file: file, line: line)
        tmux.waitFor("editor open", file: file, line: line) { $0.row(0) == "  1 saved text" && $0.at(1, 1) }
        tmux.sendKeys("End", file: file, line: line)
        tmux.type(" + unsaved ✓", file: file, line: line)
        tmux.sendKeys("Enter", file: file, line: line)
        tmux.type("new line", file: file, line: line)
        tmux.waitFor("edits on screen", file: file, line: line) {
            $0.row(0) == "  1 saved text + unsaved ✓" && $0.row(1) == "  2 new line" && $0.status.contains("[+]")
        }
        guard let pid = tmux.childPID() else { return XCTFail("no stet process under the shell", file: file, line: line) }
        XCTAssertEqual(kill(pid, signal), 0, file: file, line: line)

        let s = tmux.waitFor("shell reports the exit and the tty state", file: file, line: line) { $0.contains("DONE") }
        // Handled: stet restores the terminal and exits with 128 + the signal's number.
        assertRestored(s, status: 128 + signal, file: file, line: line)
        XCTAssertFalse(isRunning(pid), "stet still running", file: file, line: line)

        // The file on disk is untouched; reopening shows the edits, marked unsaved.
        XCTAssertBytes(ws.bytes("s.txt"), "saved text\n", "the signal must not save", file: file, line: line)
        tmux.startStet(["s.txt"], file: file, line: line)
        let r = tmux.waitFor("recovered edits", file: file, line: line) {
            $0.row(0) == "  1 saved text + unsaved ✓" && $0.row(1) == "  2 new line" && $0.status.contains("s.txt [+]")
        }
        XCTAssertTrue(r.message.contains("recovered unsaved edits"), "no recovery notice:\n\(r)", file: file, line: line)
        XCTAssertBytes(ws.bytes("s.txt"), "saved text\n", file: file, line: line)
        save(file: file, line: line)
        XCTAssertBytes(ws.bytes("s.txt"), "saved text + unsaved ✓\nnew line\n", file: file, line: line)
    }

    func testSIGHUPKeepsUnsavedEditsAndRestoresTerminal() throws {
        try editThenSignal(SIGHUP)
    }

    func testSIGTERMKeepsUnsavedEditsAndRestoresTerminal() throws {
        try editThenSignal(SIGTERM)
    }

    func testQuitRestoresTerminal() throws {
        try ws.write("s.txt", "x\n")
        tmux.startShell(ttyWrapper, ["s.txt"])
        tmux.waitFor("editor open") { $0.row(0) == "  1 x" && $0.at(1, 1) }
        tmux.sendKeys("C-q")
        let s = tmux.waitFor("shell reports the exit and the tty state") { $0.contains("DONE") }
        assertRestored(s, status: 0)
        XCTAssertBytes(ws.bytes("s.txt"), "x\n")
    }

    /// Runs `stet arg` in a shell; the screen once the shell printed stet's exit status and
    /// the tty's canonical-mode flag.
    private func runRefused(_ arg: String, file: StaticString = #filePath, line: UInt = #line) -> Screen {
        tmux.startShell("""
            "$STET" "$1"; echo "EXITED $?"
            stty -a | tr ' ;' '\\n\\n' | grep -E '^-?icanon$'; echo DONE; exec sleep 100000
            """, [arg], file: file, line: line)
        return tmux.waitFor("stet exited and the shell finished", file: file, line: line) { $0.contains("DONE") }
    }

    /// What stet printed before the shell's "EXITED" line (full-width rows joined: a long
    /// line wraps).
    private func errorText(_ s: Screen) -> String {
        let end = s.lines.firstIndex { $0.hasPrefix("EXITED ") } ?? 0
        var text = Substring(s.lines[..<end].joined())
        while text.last == " " { text.removeLast() }
        return String(text)
    }

    func testBinaryFileIsRefused() throws {
        var blob: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00]
        blob += (0..<256).map { UInt8($0) }
        blob += [0x00, 0x00, 0xFF, 0xFE, 0x0A]
        try ws.write("blob.bin", blob)
        let mtime = { try FileManager.default.attributesOfItem(atPath: self.ws.url("blob.bin").path)[.modificationDate] as? Date }
        let before = try mtime()
        let s = runRefused("blob.bin")
        XCTAssertTrue(s.contains("EXITED 1"), "exit status:\n\(s)")
        let err = errorText(s)
        XCTAssertTrue(err.hasPrefix("stet: "), "no error line:\n\(s)")
        XCTAssertTrue(err.contains("blob.bin"), "error does not name the file:\n\(s)")
        XCTAssertTrue(err.contains("binary"), "error does not say why:\n\(s)")
        XCTAssertTrue(s.lines.contains { $0.hasPrefix("icanon") }, "terminal not in cooked mode:\n\(s)")
        XCTAssertFalse(s.contains("F1 help"), "the editor opened:\n\(s)")
        XCTAssertBytes(ws.bytes("blob.bin"), blob)
        XCTAssertEqual(try mtime(), before, "modification time changed")
        XCTAssertFalse(ws.exists(".stet/blob.bin.stetlog"), "a history log was created for a refused file")
    }

    func testDirectoryArgumentIsRefused() throws {
        try FileManager.default.createDirectory(at: ws.url("adir"), withIntermediateDirectories: false)
        try ws.write("adir/inside.txt", "keep\n")
        let s = runRefused("adir")
        XCTAssertTrue(s.contains("EXITED 1"), "exit status:\n\(s)")
        let err = errorText(s)
        XCTAssertTrue(err.hasPrefix("stet: "), "no error line:\n\(s)")
        XCTAssertTrue(err.contains("adir"), "error does not name the directory:\n\(s)")
        XCTAssertTrue(err.contains("folder") || err.contains("directory"), "error does not say it is a directory:\n\(s)")
        XCTAssertTrue(s.lines.contains { $0.hasPrefix("icanon") }, "terminal not in cooked mode:\n\(s)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.url("adir").path), ["inside.txt"])
        XCTAssertBytes(ws.bytes("adir/inside.txt"), "keep\n")
        XCTAssertFalse(ws.exists(".stet"), "a history store was created for a directory")
    }
}
