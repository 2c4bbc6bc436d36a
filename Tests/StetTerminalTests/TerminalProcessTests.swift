import Foundation
import StetEditor
import XCTest

@testable import StetTerminal

#if os(Linux)
    import Glibc

    /// Drives a real `Terminal` on a pseudo-terminal. Each test runs twice: as the parent, it
    /// re-runs this test binary with only itself selected and `childVariable` set; as that child
    /// (stdin and stdout on the pty) it opens the `Terminal` and logs every input it reads.
    final class TerminalProcessTests: XCTestCase {
        static let childVariable = "STET_TERMINAL_TEST_CHILD"
        static let logVariable = "STET_TERMINAL_TEST_LOG"

        /// Keys, Alt, a terminfo-named modified key, mouse, paste, a ZWJ emoji, a lone Esc, a
        /// resize and the wake all arrive decoded; SIGTERM arrives as `.signal`; `restore()` gives
        /// the terminal back.
        func testInputResizeSignalAndRestore() throws {
            if let mode = ProcessInfo.processInfo.environment[Self.childVariable] { runChild(mode) }
            let (pty, log) = try start("session")
            XCTAssertEqual(pty.localFlags & tcflag_t(ICANON | ECHO), 0, "raw mode while running")
            XCTAssertTrue(pty.output(after: "").contains("READY"))

            let inputs = [
                "a", "\u{1B}x", "\u{1B}[1;5A", "\u{1B}[<0;5;3M", "\u{1B}[<0;300;3m",
                "\u{1B}[200~one\rtwo\u{1B}[201~", "👨‍👩‍👧", "\u{1B}", "\u{1A}", "z",
            ]
            for input in inputs {
                pty.write(input)
                usleep(60_000)
            }
            XCTAssertTrue(pty.pump { log.contains("key char(\"z\") 0") }, log.text)
            pty.resize(rows: 30, columns: 100)
            XCTAssertTrue(pty.pump { log.contains("resize 30x100") }, log.text)
            kill(pty.pid, SIGTERM)
            let exit = pty.waitForExit()
            XCTAssertEqual(exit.code, 0, log.text)

            XCTAssertEqual(
                log.lines,
                [
                    "ready 24x80", "wake",
                    "key char(\"a\") 0", "key char(\"x\") 4", "key up 2", "mouse press 2 4 0",
                    "mouse release 2 299 0", "paste \"one\\ntwo\"", "key char(\"👨‍👩‍👧\") 0",
                    "key escape 0", "key char(\"z\") 2", "key char(\"z\") 0", "resize 30x100",
                    "signal terminate", "restored",
                ])
            XCTAssertEqual(pty.localFlags & tcflag_t(ICANON | ECHO), tcflag_t(ICANON | ECHO))
            let tail = pty.output(after: "\u{1B}[?2004h")
            for off in ["\u{1B}[?2004l", "\u{1B}[?1006l", "\u{1B}[?1002l", "\u{1B}[?1049l"] {
                XCTAssertTrue(tail.contains(off), "missing \(off.debugDescription)")
            }
        }

        /// A Swift runtime trap (here `fatalError`) leaves the terminal usable: the crash handler
        /// restores the termios and writes the mode resets, then the process dies of the signal.
        func testTrapRestoresTerminal() throws {
            if let mode = ProcessInfo.processInfo.environment[Self.childVariable] { runChild(mode) }
            let (pty, log) = try start("trap")
            XCTAssertEqual(pty.localFlags & tcflag_t(ICANON | ECHO), 0, "raw mode while running")
            pty.write("T")
            let exit = pty.waitForExit()
            XCTAssertNil(exit.code, log.text)
            XCTAssertTrue(exit.signal == SIGILL || exit.signal == SIGTRAP, "\(exit)")
            XCTAssertEqual(pty.localFlags & tcflag_t(ICANON | ECHO), tcflag_t(ICANON | ECHO))
            let tail = pty.output(after: "\u{1B}[?2004h")
            for off in [
                "\u{1B}[?2004l", "\u{1B}[?1006l", "\u{1B}[?1002l", "\u{1B}[?25h", "\u{1B}[?1049l",
            ] {
                XCTAssertTrue(tail.contains(off), "missing \(off.debugDescription)")
            }
            XCTAssertFalse(log.contains("restored"))
        }

        func testNotATerminalIsAnError() throws {
            let saved = dup(STDIN_FILENO)
            let null = open("/dev/null", O_RDONLY)
            dup2(null, STDIN_FILENO)
            defer {
                dup2(saved, STDIN_FILENO)
                close(saved)
                close(null)
            }
            XCTAssertThrowsError(try Terminal(options: TerminalOptions(environment: [:]))) {
                XCTAssertEqual($0 as? TerminalError, .notATerminal)
            }
        }

        // MARK: Parent side

        /// Spawns this test in child `mode` on a 24x80 pty and waits until it is ready.
        private func start(_ mode: String) throws -> (PseudoTerminal, ChildLog) {
            let log = ChildLog()
            let pty = try PseudoTerminal(rows: 24, columns: 80)
            addTeardownBlock {
                _ = pty
                log.remove()
            }
            var environment = ProcessInfo.processInfo.environment
            environment[Self.childVariable] = mode
            environment[Self.logVariable] = log.path
            environment["TERM"] = "xterm-256color"
            environment["SWIFT_BACKTRACE"] = "enable=no"
            environment["TMUX"] = nil
            environment["NO_COLOR"] = nil
            let executable = try FileManager.default.destinationOfSymbolicLink(
                atPath: "/proc/self/exe")
            let test =
                "StetTerminalTests.TerminalProcessTests/"
                + name.split(separator: ".").last!
                .trimmingCharacters(in: CharacterSet(charactersIn: "]"))
            try pty.spawn([executable, test], environment: environment)
            XCTAssertTrue(pty.pump { log.contains("wake") }, "child did not start: \(log.text)")
            return (pty, log)
        }

        // MARK: Child side

        private func runChild(_ mode: String) -> Never {
            let log = ChildLog(path: ProcessInfo.processInfo.environment[Self.logVariable]!)
            let terminal: Terminal
            do {
                terminal = try Terminal(
                    options: TerminalOptions(environment: ProcessInfo.processInfo.environment))
            } catch {
                log.append("error \(error)")
                exit(2)
            }
            var frame = Frame(rows: terminal.rows, columns: terminal.columns)
            for (i, c) in "READY".enumerated() {
                frame[0, i] = Cell(String(c), style: Style(.statusBar))
            }
            frame[1, 0] = Cell("中", width: 2)
            frame[1, 1] = .continuation(.text)
            frame.cursor = (1, 2)
            terminal.draw(frame)
            Terminal.makeWaker().wake()
            log.append("ready \(terminal.rows)x\(terminal.columns)")
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                for input in terminal.read(timeoutMilliseconds: 100) {
                    log.append(Self.describe(input))
                    if case .event(.key(let k)) = input, k.key == .char("T"), mode == "trap" {
                        fatalError("trap requested by the test")
                    }
                    if case .signal = input {
                        terminal.restore()
                        log.append("restored")
                        exit(0)
                    }
                }
            }
            exit(3)
        }

        static func describe(_ input: TerminalInput) -> String {
            switch input {
            case .wake: return "wake"
            case .signal(let s): return "signal \(s)"
            case .event(.key(let k)): return "key \(k.key) \(k.modifiers.rawValue)"
            case .event(.mouse(let m)):
                return "mouse \(m.kind) \(m.row) \(m.column) \(m.modifiers.rawValue)"
            case .event(.paste(let text)): return "paste \(text.debugDescription)"
            case .event(.resize(let rows, let columns)): return "resize \(rows)x\(columns)"
            case .event(.tick): return "tick"
            }
        }
    }

    /// A line log the child appends to and the parent reads.
    final class ChildLog: @unchecked Sendable {
        let path: String

        init(path: String = NSTemporaryDirectory() + "stet-terminal-\(UUID().uuidString).log") {
            self.path = path
        }

        var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        var lines: [String] { text.split(separator: "\n").map(String.init) }
        func contains(_ line: String) -> Bool { lines.contains(line) }

        func append(_ line: String) {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
            guard fd >= 0 else { return }
            let bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }

        func remove() { unlink(path) }
    }
#endif
