import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The built `stet` binary: `$STET_BINARY`, else next to the test bundle (SwiftPM puts every
/// product of a build in one directory), else `.build*/debug/stet` of this package.
enum StetBinary {
    static let path: String? = {
        let fm = FileManager.default
        func usable(_ p: String) -> Bool {
            var dir: ObjCBool = false
            return fm.fileExists(atPath: p, isDirectory: &dir) && !dir.boolValue && fm.isExecutableFile(atPath: p)
        }
        if let p = ProcessInfo.processInfo.environment["STET_BINARY"], !p.isEmpty { return p }
        var dirs: [URL] = []
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") {
            dirs.append(b.bundleURL.deletingLastPathComponent())   // macOS: .build/debug/XPackageTests.xctest
        }
        dirs.append(Bundle.main.bundleURL)                            // Linux: the directory of the test executable
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for d in dirs where usable(d.appendingPathComponent("stet").path) {
            return d.appendingPathComponent("stet").path
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for c in [".build/debug/stet", ".build-e2e/debug/stet"] where usable(root.appendingPathComponent(c).path) {
            return root.appendingPathComponent(c).path
        }
        return nil
    }()
}

/// One capture of the pane: exactly `rows` lines (capture-pane drops trailing blanks).
struct Screen: CustomStringConvertible {
    var lines: [String]

    /// The editor's status bar: the second-to-last row, or higher while a message too long
    /// for one row is shown below it (the lowest row of the bottom third holding "Ln N, Col M").
    var status: String { statusRow.map { lines[$0] } ?? "" }

    /// The message: the last row, or every row below the status bar joined with spaces when
    /// it wraps.
    var message: String {
        guard let s = statusRow, s + 1 < lines.count else { return lines.last ?? "" }
        return lines[(s + 1)...].map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    private var statusRow: Int? {
        guard lines.count >= 2 else { return nil }
        let lowest = lines.count - 2
        let highest = max(lines.count - 1 - max(lines.count / 3, 1), 0)
        for r in stride(from: lowest, through: highest, by: -1) where lines[r].range(of: #"Ln \d+, Col \d+"#, options: .regularExpression) != nil {
            return r
        }
        return lowest
    }

    func contains(_ s: String) -> Bool { lines.contains { $0.contains(s) } }

    /// Row `i` without trailing blanks (empty past the end).
    func row(_ i: Int) -> String {
        guard i >= 0 && i < lines.count else { return "" }
        var s = Substring(lines[i])
        while s.last == " " { s.removeLast() }
        return String(s)
    }

    /// "Ln X, Col Y" of the status bar.
    var position: (line: Int, column: Int)? {
        guard let r = status.range(of: "Ln ") else { return nil }
        let rest = status[r.upperBound...]
        let line = Int(rest.prefix { $0.isNumber })
        guard let c = rest.range(of: ", Col ") else { return nil }
        let col = Int(rest[c.upperBound...].prefix { $0.isNumber })
        guard let line, let col else { return nil }
        return (line, col)
    }

    func at(_ line: Int, _ column: Int) -> Bool {
        guard let p = position else { return false }
        return p.line == line && p.column == column
    }

    var description: String {
        let width = lines.map { $0.count }.max() ?? 0
        var out = "+" + String(repeating: "-", count: width) + "+\n"
        for (i, l) in lines.enumerated() {
            out += "|" + l + String(repeating: " ", count: max(width - l.count, 0)) + "| \(i)\n"
        }
        return out + "+" + String(repeating: "-", count: width) + "+"
    }
}

/// A private tmux server (`tmux -L <unique> -f /dev/null`) with one 80×24 (by default) pane,
/// driven like a user at a keyboard. Every tmux client is started with posix_spawn + waitpid,
/// output to files: Foundation's Process hangs on tmux (the forked server keeps inherited
/// descriptors open).
final class Tmux {
    let socket: String
    let directory: String
    private(set) var rows: Int
    private(set) var columns: Int
    private var pids: [pid_t] = []
    private var serverStarted = false
    /// The server's socket file: kill-server leaves it behind.
    private var socketPath = ""
    private static let counter = Counter()
    /// Where the tmux clients' output goes (outside the test's directory).
    private var scratchPrefix: String { FileManager.default.temporaryDirectory.path + "/" + socket }

    /// The terminal type inside the pane. tmux-256color is what tmux is (its own terminfo
    /// entry), so ncurses' key table matches the bytes tmux really sends: e.g. Home arrives
    /// as `ESC [ 1 ~`, which xterm-256color's terminfo calls `ESC O H`, and mouse reports use
    /// the encoding tmux emits for this TERM.
    static let term = "tmux-256color"

    init(directory: String, columns: Int = 80, rows: Int = 24) {
        self.directory = directory
        self.columns = columns
        self.rows = rows
        socket = "stet-e2e-\(getpid())-\(Tmux.counter.next())"
    }

    deinit { kill() }

    // MARK: running tmux

    struct Output {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs `tmux -L socket -f /dev/null args…` and waits for the client (never the server).
    @discardableResult
    func tmux(_ args: [String], file: StaticString = #filePath, line: UInt = #line) -> Output {
        let out = scratchPrefix + ".out", err = scratchPrefix + ".err"
        let argv = ["tmux", "-L", socket, "-f", "/dev/null"] + args
        var env: [String] = []
        var e = environ
        while let p = e.pointee {
            let kv = String(cString: p)
            if !kv.hasPrefix("TMUX=") && !kv.hasPrefix("TMUX_PANE=") { env.append(kv) }
            e += 1
        }
        do {
            let status = try spawnAndWait(argv, env: env, stdout: out, stderr: err)
            let o = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            let r = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            return Output(status: status, out: o, err: r)
        } catch {
            XCTFail("cannot run tmux: \(error) (install it: sudo apt-get install -y tmux)", file: file, line: line)
            return Output(status: -1, out: "", err: "\(error)")
        }
    }

    /// Starts `argv` (run directly, no shell) in the pane, in `directory`, with a UTF-8 locale,
    /// replacing what ran there before. The pane, and so the server, stays when the process
    /// exits (remain-on-exit), so its last screen can still be read.
    func start(_ argv: [String], file: StaticString = #filePath, line: UInt = #line) {
        let env = ["-e", "LANG=C.UTF-8", "-e", "LC_ALL=C.UTF-8"]
        if !serverStarted {
            // A placeholder first, so remain-on-exit is set before the real command can exit.
            let r = tmux(["new-session", "-d", "-s", "e2e", "-x", "\(columns)", "-y", "\(rows)", "-c", directory, "sleep 100000",
                          ";", "set-option", "-g", "remain-on-exit", "on",
                          ";", "set-option", "-g", "default-terminal", Tmux.term,
                          ";", "set-option", "-g", "status", "off",
                          ";", "set-option", "-s", "escape-time", "0"], file: file, line: line)
            XCTAssertEqual(r.status, 0, "tmux new-session: \(r.err)", file: file, line: line)
            serverStarted = true
            socketPath = display("#{socket_path}")
            // Turning the status line off resizes the pane a moment later; output written
            // before that would be reflowed, so wait for the final size.
            let deadline = Date().addingTimeInterval(5)
            while display("#{pane_width}x#{pane_height}") != "\(columns)x\(rows)" {
                if Date() > deadline {
                    XCTFail("pane never became \(columns)x\(rows): \(display("#{pane_width}x#{pane_height}"))", file: file, line: line)
                    break
                }
                usleep(10_000)
            }
        }
        let r = tmux(["respawn-pane", "-k", "-t", "e2e", "-c", directory] + env + ["--"] + argv, file: file, line: line)
        XCTAssertEqual(r.status, 0, "tmux failed to start \(argv): \(r.err)", file: file, line: line)
        if let p = panePID() { pids.append(p) }
    }

    /// How many programs `startStet`/`startShell` started: each run's exit line is unique.
    private(set) var runs = 0

    /// Starts the editor on `arguments` from a shell, as a user would. When it exits, the
    /// shell prints `[run N: stet exited with status S]` and stays (`exec sleep`): tmux's own
    /// `pane_dead_status` is sometimes never filled in by tmux 3.3a, and a dead pane's
    /// "Pane is dead" line scrolls the screen.
    func startStet(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) {
        startShell("\"$STET\" \"$@\"; echo \"[run $RUN: stet exited with status $?]\"; exec sleep 100000", arguments,
                   file: file, line: line)
    }

    /// Starts `script` with `/bin/sh -c` (`arguments` are `$1`, `$2`…), where `$STET` is the
    /// editor binary and `$RUN` the number of this run.
    func startShell(_ script: String, _ arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        guard let stet = StetBinary.path else {
            XCTFail("stet binary not found next to the tests; build it (swift build) or set STET_BINARY", file: file, line: line)
            return
        }
        runs += 1
        start(["/usr/bin/env", "STET=\(stet)", "RUN=\(runs)", "/bin/sh", "-c", script, "sh"] + arguments, file: file, line: line)
    }

    /// The pid of the program the pane's shell is running (the editor), if any.
    func childPID() -> pid_t? {
        guard let sh = panePID() else { return nil }
        let children = (try? String(contentsOfFile: "/proc/\(sh)/task/\(sh)/children", encoding: .utf8)) ?? ""
        let pid = children.split(separator: " ").compactMap { pid_t($0) }.first
        if let pid { pids.append(pid) }
        return pid
    }

    // MARK: input

    /// tmux key names: "C-s", "Left", "S-Right", "Enter", "Escape", "F1", "Home", "C-Left"…
    func sendKeys(_ keys: String..., file: StaticString = #filePath, line: UInt = #line) {
        let r = tmux(["send-keys", "-t", "e2e"] + keys, file: file, line: line)
        XCTAssertEqual(r.status, 0, "send-keys \(keys): \(r.err)", file: file, line: line)
    }

    /// Types `text` literally (each character as a key press).
    func type(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = tmux(["send-keys", "-t", "e2e", "-l", "--", text], file: file, line: line)
        XCTAssertEqual(r.status, 0, "send-keys -l \(text.debugDescription): \(r.err)", file: file, line: line)
    }

    /// Sends raw bytes to the program (e.g. mouse reports).
    func sendHex(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let r = tmux(["send-keys", "-t", "e2e", "-H"] + bytes.map { String($0, radix: 16) }, file: file, line: line)
        XCTAssertEqual(r.status, 0, "send-keys -H: \(r.err)", file: file, line: line)
    }

    /// Pastes `text` as the terminal would: bracketed (the program asked for it) when -p.
    func paste(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = tmux(["set-buffer", "-b", "e2e", "--", text, ";", "paste-buffer", "-p", "-d", "-b", "e2e", "-t", "e2e"], file: file, line: line)
        XCTAssertEqual(r.status, 0, "paste: \(r.err)", file: file, line: line)
    }

    func resize(columns: Int, rows: Int, file: StaticString = #filePath, line: UInt = #line) {
        let r = tmux(["resize-window", "-t", "e2e", "-x", "\(columns)", "-y", "\(rows)"], file: file, line: line)
        XCTAssertEqual(r.status, 0, "resize-window: \(r.err)", file: file, line: line)
        self.columns = columns
        self.rows = rows
    }

    // MARK: output

    /// The pane as text (`escapes`: with colour and attribute sequences, -e).
    func capture(escapes: Bool = false) -> Screen {
        // -N keeps trailing blanks, so a row's full width is visible.
        let r = tmux(["capture-pane", "-p", "-N", "-t", "e2e"] + (escapes ? ["-e"] : []))
        var lines = r.out.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        while lines.count < rows { lines.append("") }
        return Screen(lines: lines)
    }

    /// A tmux format of the pane (`#{cursor_x}`, `#{pane_pid}`…).
    func display(_ format: String) -> String {
        var s = tmux(["display-message", "-p", "-t", "e2e", format]).out
        while s.last == "\n" { s.removeLast() }
        return s
    }

    /// The terminal cursor (0-based column, row).
    var cursor: (x: Int, y: Int)? {
        let parts = display("#{cursor_x} #{cursor_y}").split(separator: " ").compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    func panePID() -> pid_t? {
        pid_t(display("#{pane_pid}"))
    }

    /// Whether the last `waitFor` failed (to stop a test early: XCTest on Linux ignores
    /// `continueAfterFailure = false`).
    private(set) var lastWaitTimedOut = false

    /// Polls the screen every 25 ms until `predicate` holds; fails with the last screen.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (Screen) -> Bool) -> Screen {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = capture()
        lastWaitTimedOut = false
        while !predicate(screen) {
            if Date() > deadline {
                lastWaitTimedOut = true
                XCTFail("timed out after \(timeout) s waiting for: \(what)\nlast screen:\n\(screen)", file: file, line: line)
                return screen
            }
            usleep(25_000)
            screen = capture()
        }
        return screen
    }

    /// Waits until some row of the screen contains `text`.
    @discardableResult
    func waitFor(text: String, timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line) -> Screen {
        waitFor("screen contains \(text.debugDescription)", timeout: timeout, file: file, line: line) { $0.contains(text) }
    }

    /// Waits until the status bar says "Ln line, Col column".
    @discardableResult
    func waitFor(line: Int, column: Int, timeout: Double = 5, file: StaticString = #filePath, line sourceLine: UInt = #line) -> Screen {
        waitFor("status bar shows Ln \(line), Col \(column)", timeout: timeout, file: file, line: sourceLine) { $0.at(line, column) }
    }

    /// Waits until the editor started by the last `startStet` has exited and returns its
    /// exit status as the shell saw it (128 + n when killed by signal n).
    @discardableResult
    func waitForExit(timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line) -> Int32? {
        let marker = "[run \(runs): stet exited with status "
        let screen = waitFor("the shell reports that stet exited (\(marker)…])", timeout: timeout, file: file, line: line) {
            $0.contains(marker)
        }
        guard let l = screen.lines.first(where: { $0.contains(marker) }),
              let r = l.range(of: marker) else { return nil }
        return Int32(l[r.upperBound...].prefix { $0.isNumber })
    }

    /// Whether the editor started by the last `startStet` is still running.
    var isAlive: Bool {
        guard let pid = childPID() else { return false }
        return isRunning(pid)
    }

    /// Kills the server and waits (≤ 3 s) for every process the pane ran to be gone, so
    /// none writes into a directory about to be deleted.
    func kill() {
        guard serverStarted else { return }
        serverStarted = false
        _ = childPID()
        tmux(["kill-server"])
        let deadline = Date().addingTimeInterval(3)
        for p in pids {
            while isRunning(p) && Date() < deadline { usleep(10_000) }
        }
        if socketPath.hasSuffix("/" + socket) { unlink(socketPath) }
        unlink(scratchPrefix + ".out")
        unlink(scratchPrefix + ".err")
    }
}

/// Whether `pid` exists and is not a zombie (an orphan may wait for a reaper that never comes
/// in a container).
func isRunning(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
    return state != "Z" && state != "X"
}

private final class Counter: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        n += 1
        return n
    }
}

/// posix_spawnp with stdin from /dev/null and stdout/stderr to files; waits for the child.
func spawnAndWait(_ argv: [String], env: [String], stdout: String, stderr: String) throws -> Int32 {
    var fa = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fa)
    defer { posix_spawn_file_actions_destroy(&fa) }
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&fa, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&fa, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let cargv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    let cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
    defer {
        for a in cargv { free(a) }
        for a in cenv { free(a) }
    }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, argv[0], &fa, nil, cargv, cenv)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
}

/// A temporary directory for one test, with helpers for the files in it.
final class Workspace {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("stet-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        // Resolve symlinks so paths match what the editor shows and stores.
        path = base.resolvingSymlinksInPath().path
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func url(_ name: String) -> URL { URL(fileURLWithPath: path).appendingPathComponent(name) }

    func write(_ name: String, _ text: String) throws { try write(name, Array(text.utf8)) }
    func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: url(name)) }

    func bytes(_ name: String) -> [UInt8]? { (try? Data(contentsOf: url(name))).map(Array.init) }
    func text(_ name: String) -> String? { bytes(name).map { String(decoding: $0, as: UTF8.self) } }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: url(name).path) }
}

/// Compares file bytes, showing both as escaped text on failure.
func XCTAssertBytes(_ actual: [UInt8]?, _ expected: String, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertBytes(actual, Array(expected.utf8), message, file: file, line: line)
}

func XCTAssertBytes(_ actual: [UInt8]?, _ expected: [UInt8], _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { XCTFail("file missing; expected \(String(decoding: expected, as: UTF8.self).debugDescription) \(message)", file: file, line: line); return }
    if actual != expected {
        XCTFail("file bytes differ:\n  actual:   \(String(decoding: actual, as: UTF8.self).debugDescription) \(actual.count) B\n  expected: \(String(decoding: expected, as: UTF8.self).debugDescription) \(expected.count) B \(message)", file: file, line: line)
    }
}
