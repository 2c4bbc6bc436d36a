import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A `stet join` editor (in tmux) and a pycrdt client (`Tests/Oracles/ypeer.py`) edit one
/// text together, through `stet serve` and through a pycrdt-websocket server
/// (`Tests/Oracles/yws_server.py`). Both type; each sees the other's text and cursor: the
/// tmux screen shows pycrdt's name flag and its name in the status bar's peers list, and
/// pycrdt resolves stet's awareness cursor (a Yjs relative position) to the right index.
///
/// Needs the repository's `.venv` (or `$STET_PYTHON`) with pycrdt, pycrdt-websocket and
/// websockets, which `scripts/test` installs from Tests/Oracles/requirements.txt. Without it
/// the tests fail and say so.
final class InteropE2ETests: E2ETestCase {
    private var processes: [Process] = []
    private var peers: [PythonPeer] = []

    override func tearDown() {
        for p in peers { p.stop() }
        for p in processes where p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
        peers = []
        processes = []
        super.tearDown()
    }

    // MARK: the tests

    /// stet serve relays between the editor and pycrdt; it hands known awareness states to
    /// a newcomer, so pycrdt sees Ann's cursor as soon as it connects.
    func testPycrdtClientAndStetJoinConvergeThroughStetServe() throws {
        let python = try requirePython()
        let port = try startStetServe()
        try converge(python: python, url: "ws://127.0.0.1:\(port)/interop?token=sek", serverPushesKnownStates: true)
    }

    /// The same through `stet serve --tls-cert/--tls-key` over wss://: both clients check the
    /// server's certificate (a test certificate they are told to trust with --ca-file); a
    /// stet client that does not trust it is refused with a message saying what to do.
    func testPycrdtClientAndStetJoinConvergeThroughStetServeOverTLS() throws {
        let python = try requirePython()
        let port = try startStetServe(tls: true)
        let url = "wss://127.0.0.1:\(port)/interop?token=sek"
        let ca = repoRoot + "/Tests/StetNetTests/Fixtures/tls/localhost.pem"
        let wary = Tmux(directory: ws.path)
        defer { wary.kill() }
        wary.startStet(["join", "--name", "Wary", url])
        wary.waitFor("a client without --ca-file is told the certificate is not trusted", timeout: 10) {
            $0.message.contains("not trusted") && $0.message.contains("--ca-file") && $0.status.contains("offline")
        }
        try converge(python: python, url: url, serverPushesKnownStates: true, stetArguments: ["--ca-file", ca],
                     peerArguments: ["--ca-file", ca])
    }

    /// The pycrdt-websocket server forwards awareness frames but does not hand known states
    /// to a newcomer (yjs-wire.md §10): pycrdt learns Ann's cursor when she moves it.
    func testPycrdtClientAndStetJoinConvergeThroughPycrdtWebsocketServer() throws {
        let python = try requirePython()
        let port = try startPycrdtServer(python: python)
        try converge(python: python, url: "ws://127.0.0.1:\(port)/room", serverPushesKnownStates: false)
    }

    /// The shared scenario:
    ///  1. Ann (stet join) types "hello world" and puts her cursor after "hello" (index 5);
    ///  2. Py (pycrdt) syncs, inserts "py " at 0 and sets its cursor at index 2 ("py|");
    ///  3. Ann's screen shows "py hello world", Py's flag below index 2, "Py●" in the status
    ///     bar, and her own cursor still after "hello" (Col 9); through stet serve, Py
    ///     already resolves Ann's cursor to 8;
    ///  4. Ann types ","; Py waits for "py hello, world" with Ann's cursor resolving to 9;
    ///  5. Py leaves (awareness null): Ann's status bar drops it;
    ///  6. a second pycrdt client joins while Ann is idle and must see her cursor at 9: at
    ///     once through stet serve, at her next renewal (≤ 15 s) through the pycrdt server.
    private func converge(python: String, url: String, serverPushesKnownStates: Bool,
                          stetArguments: [String] = [], peerArguments: [String] = [],
                          file: StaticString = #filePath, line: UInt = #line) throws {
        tmux.startStet(["join", "--name", "Ann"] + stetArguments + [url])
        tmux.waitFor("Ann connected", timeout: 10, file: file, line: line) { $0.status.contains("connected") }
        guard !tmux.lastWaitTimedOut else { return }
        tmux.type("hello world")
        tmux.waitFor("Ann's text", file: file, line: line) { $0.row(0) == "  1 hello world" && $0.at(1, 12) }
        for _ in 0..<6 { tmux.sendKeys("Left") }
        tmux.waitFor(line: 1, column: 6, file: file, line: line)
        guard !tmux.lastWaitTimedOut else { return }

        let py = try startPeer(python: python, url: url, [
            "--name", "Py", "--color", "#6eeb83",
            "--await", "hello world", "--insert-at", "0", "--insert", "py ", "--cursor", "2",
            "--expect", "py hello, world", "--expect-peer", "Ann", "--expect-peer-cursor", "9",
            "--timeout", "20", "--hold",
        ] + peerArguments)

        // pycrdt's text reaches Ann, with Py's cursor: a name flag at column 2 of the text
        // on the row below (row 0 has no row above) and "Py●" in the peers list.
        let screen = tmux.waitFor("Ann sees Py's text, Py's name flag and Py in the status bar", timeout: 10, file: file, line: line) {
            $0.row(0) == "  1 py hello world" && $0.lines[1].contains(" Py ") && $0.status.contains("Py●")
        }
        if !tmux.lastWaitTimedOut {
            // The flag starts at the peer's cursor column: gutter (4) + 2.
            XCTAssertEqual(screen.lines[1].range(of: " Py ").map { screen.lines[1].distance(from: screen.lines[1].startIndex, to: $0.lowerBound) }, 6,
                           "Py's flag should start over its cursor (index 2, screen column 6):\n\(screen)", file: file, line: line)
        }
        // Ann's own cursor stayed after "hello" when "py " arrived in front of it.
        tmux.waitFor("Ann's cursor moved with her text (after \"py hello\")", file: file, line: line) { $0.at(1, 9) }

        if serverPushesKnownStates {
            // stet serve sent Ann's state on connect: her cursor, created as "after hello" in
            // her document, resolves in pycrdt's document to index 8 once "py " is there.
            let seen = py.waitForEvent("pycrdt sees Ann's cursor at 8 in \"py hello world\"", timeout: 10, file: file, line: line) {
                $0["event"] as? String == "seen" && $0["text"] as? String == "py hello world"
                    && PythonPeer.cursorHead(of: "Ann", in: $0) == 8
            }
            XCTAssertNotNil(seen, file: file, line: line)
        }

        tmux.type(",")
        tmux.waitFor("Ann typed the comma", file: file, line: line) { $0.row(0) == "  1 py hello, world" && $0.at(1, 10) }

        let result = py.waitForEvent("pycrdt's result", timeout: 20, file: file, line: line) { $0["event"] as? String == "result" }
        guard let result else { return }
        XCTAssertEqual(result["ok"] as? Bool, true, "pycrdt did not see what it expected: \(result)\n\(py.transcript)", file: file, line: line)
        XCTAssertEqual(result["text"] as? String, "py hello, world", "pycrdt's final text", file: file, line: line)
        let ann = PythonPeer.peer(named: "Ann", in: result)
        XCTAssertNotNil(ann, "pycrdt knows no peer named Ann: \(result)", file: file, line: line)
        XCTAssertEqual(PythonPeer.cursorHead(of: "Ann", in: result), 9, "Ann's cursor (after the comma) resolved in pycrdt's doc: \(result)", file: file, line: line)
        XCTAssertEqual(PythonPeer.cursorAnchor(of: "Ann", in: result), 9, "Ann's anchor: \(result)", file: file, line: line)
        // stet's awareness state follows the y-codemirror conventions: user.name/color and a
        // cursor whose relative positions carry all four keys, with explicit nulls.
        if let state = ann?["state"] as? [String: Any] {
            let user = state["user"] as? [String: Any]
            XCTAssertEqual(user?["name"] as? String, "Ann", file: file, line: line)
            XCTAssertTrue((user?["color"] as? String)?.hasPrefix("#") ?? false, "user.color: \(state)", file: file, line: line)
            let head = (state["cursor"] as? [String: Any])?["head"] as? [String: Any]
            XCTAssertEqual(head.map { Set($0.keys) }, ["type", "tname", "item", "assoc"], "cursor.head keys: \(state)", file: file, line: line)
            XCTAssertTrue(head?["type"] is NSNull, "cursor.head.type must be an explicit null: \(state)", file: file, line: line)
        }
        // Ann's screen still shows Py's cursor after her edit (the comma is after it).
        tmux.waitFor("Py's flag is still shown", file: file, line: line) {
            $0.row(0) == "  1 py hello, world" && $0.lines[1].contains(" Py ") && $0.status.contains("Py●")
        }

        // Py leaves: its awareness null removes it from Ann's peers list.
        py.stop()
        tmux.waitFor("Py left Ann's peers list", timeout: 10, file: file, line: line) { !$0.status.contains("Py") && !$0.lines[1].contains(" Py ") }
        XCTAssertEqual(py.exitStatus, 0, "ypeer.py exit status\n\(py.transcript)", file: file, line: line)

        // A second pycrdt client joins while Ann sits still. Through stet serve it gets her
        // state on connect; through the pycrdt server only at her renewal (every 15 s).
        let started = Date()
        let idle = try startPeer(python: python, url: url, [
            "--name", "Idle", "--no-cursor",
            "--expect", "py hello, world", "--expect-peer", "Ann", "--expect-peer-cursor", "9",
            "--timeout", "25", "--hold",
        ] + peerArguments)
        tmux.waitFor("Ann sees Idle in the peers list", timeout: 10, file: file, line: line) { $0.status.contains("Idle●") }
        let idleResult = idle.waitForEvent("the idle client's result", timeout: 30, file: file, line: line) { $0["event"] as? String == "result" }
        let waited = Date().timeIntervalSince(started)
        if let idleResult {
            XCTAssertEqual(idleResult["ok"] as? Bool, true, "the idle client never saw Ann's cursor at 9: \(idleResult)\n\(idle.transcript)", file: file, line: line)
            XCTAssertEqual(PythonPeer.cursorHead(of: "Ann", in: idleResult), 9, "\(idleResult)", file: file, line: line)
        }
        XCTAssertLessThan(waited, serverPushesKnownStates ? 5 : 20,
                          serverPushesKnownStates ? "stet serve should hand Ann's state to a newcomer at once"
                                                  : "Ann's awareness renewal (≤ 15 s + a tick) should reach a newcomer",
                          file: file, line: line)
        idle.stop()
        tmux.waitFor("Idle left", timeout: 10, file: file, line: line) { !$0.status.contains("Idle") }
        // A server's own awareness state (pycrdt-websocket renews "{}" every 15 s; by now it
        // has) is not a collaborator: no "User <id>" in the peers list.
        XCTAssertFalse(tmux.capture().status.contains("User "), "a server's state is listed as a peer: \(tmux.capture().status)", file: file, line: line)
    }

    // MARK: servers and the pycrdt peer

    /// `$STET_PYTHON` or `.venv/bin/python`, checked to import what the oracles need.
    private func requirePython(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        struct Missing: Error, CustomStringConvertible { var description: String }
        let python = ProcessInfo.processInfo.environment["STET_PYTHON"] ?? repoRoot + "/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            XCTFail("no Python at \(python): run scripts/test (it creates .venv from Tests/Oracles/requirements.txt) or set STET_PYTHON", file: file, line: line)
            throw Missing(description: "no python at \(python)")
        }
        let err = ws.path + "/python-check.err"
        let status = try spawnAndWait([python, "-c", "import pycrdt, pycrdt.websocket, websockets.asyncio.client; from pycrdt import StickyIndex, Awareness"],
                                      env: ["PATH=/usr/bin:/bin"], stdout: "/dev/null", stderr: err)
        guard status == 0 else {
            let why = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            XCTFail("\(python) lacks pycrdt / pycrdt-websocket / websockets (run scripts/test, which installs Tests/Oracles/requirements.txt into .venv):\n\(why)", file: file, line: line)
            throw Missing(description: "python packages missing")
        }
        return python
    }

    /// Starts `stet serve` (token "sek") on an ephemeral port; returns the port it printed.
    /// With `tls`, it serves wss:// with the test certificate in Tests/StetNetTests/Fixtures.
    private func startStetServe(tls: Bool = false) throws -> Int {
        let out = ws.path + "/serve.out"
        let fixtures = repoRoot + "/Tests/StetNetTests/Fixtures/tls/"
        let tlsArguments = tls ? ["--tls-cert", fixtures + "localhost.pem", "--tls-key", fixtures + "localhost.key"] : []
        let p = try launch(try XCTUnwrap(StetBinary.path, "stet binary not found; build it or set STET_BINARY"),
                           ["serve", "--listen", "127.0.0.1:0", "--data", ws.path + "/rooms", "--token", "sek"] + tlsArguments,
                           stdout: out)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let r = text.range(of: (tls ? "wss" : "ws") + "://127.0.0.1:"), let end = text[r.upperBound...].firstIndex(of: "/"), let port = Int(text[r.upperBound..<end]) {
                return port
            }
            if !p.isRunning { break }
            usleep(50_000)
        }
        XCTFail("stet serve did not say where it listens: \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
        throw CocoaError(.fileReadUnknown)
    }

    /// Starts `yws_server.py PORT` on a free port and waits for "listening".
    private func startPycrdtServer(python: String) throws -> Int {
        let port = try freePort()
        let out = ws.path + "/yws.out", err = ws.path + "/yws.err"
        let p = try launch(python, [repoRoot + "/Tests/Oracles/yws_server.py", String(port)], stdout: out, stderr: err)
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("listening") { return port }
            if !p.isRunning { break }
            usleep(50_000)
        }
        XCTFail("yws_server.py did not start listening on \(port): \((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")")
        throw CocoaError(.fileReadUnknown)
    }

    private func launch(_ exe: String, _ args: [String], stdout: String, stderr: String? = nil) throws -> Process {
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        if let stderr {
            _ = FileManager.default.createFile(atPath: stderr, contents: nil)
            p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        } else {
            p.standardError = FileHandle.nullDevice
        }
        try p.run()
        processes.append(p)
        return p
    }

    private func startPeer(python: String, url: String, _ args: [String]) throws -> PythonPeer {
        let peer = try PythonPeer(python: python, script: repoRoot + "/Tests/Oracles/ypeer.py", url: url, arguments: args,
                                  directory: ws.path, index: peers.count)
        peers.append(peer)
        return peer
    }

    /// A TCP port nothing listens on right now (bind to port 0, read it, close).
    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// `ypeer.py` in a child process: its JSON lines go to a file, read as they come; closing
/// its stdin ends a `--hold`.
final class PythonPeer {
    let process = Process()
    private let stdin = Pipe()
    private let out: String
    private let err: String

    init(python: String, script: String, url: String, arguments: [String], directory: String, index: Int) throws {
        out = directory + "/ypeer\(index).out"
        err = directory + "/ypeer\(index).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, url] + arguments
        process.standardInput = stdin
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
    }

    /// Every JSON line printed so far.
    var events: [[String: Any]] {
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// What the peer printed, for failure messages.
    var transcript: String {
        "ypeer stdout:\n" + ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
            + "ypeer stderr:\n" + ((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// Polls the output until an event matches; fails (with the transcript) on timeout, on
    /// an "error" event, or when the peer exits first.
    func waitForEvent(_ what: String, timeout: Double, file: StaticString = #filePath, line: UInt = #line,
                      _ predicate: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let evs = events
            if let e = evs.first(where: predicate) { return e }
            if let e = evs.first(where: { $0["event"] as? String == "error" }) {
                XCTFail("ypeer.py failed while waiting for \(what): \(e["error"] ?? "?")\n\(transcript)", file: file, line: line)
                return nil
            }
            if !process.isRunning {
                if let e = events.first(where: predicate) { return e }
                XCTFail("ypeer.py exited (status \(process.terminationStatus)) before \(what)\n\(transcript)", file: file, line: line)
                return nil
            }
            if Date() > deadline {
                XCTFail("timed out after \(timeout) s waiting for \(what)\n\(transcript)", file: file, line: line)
                return nil
            }
            usleep(25_000)
        }
    }

    /// Ends `--hold` (stdin EOF) and waits ≤ 5 s for the peer to leave, then kills it.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    static func peer(named name: String, in event: [String: Any]) -> [String: Any]? {
        (event["peers"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    static func cursorHead(of name: String, in event: [String: Any]) -> Int? {
        ((peer(named: name, in: event)?["cursor"] as? [String: Any])?["head"] as? NSNumber)?.intValue
    }

    static func cursorAnchor(of name: String, in event: [String: Any]) -> Int? {
        ((peer(named: name, in: event)?["cursor"] as? [String: Any])?["anchor"] as? NSNumber)?.intValue
    }
}
