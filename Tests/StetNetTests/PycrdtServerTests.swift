import Foundation
import StetSync
import XCTest

@testable import StetNet

/// Our WebSocket client against a y-websocket server built on pycrdt-websocket
/// (`Tests/Oracles/yws_server.py`, see reference/yjs-wire.md §10).
///
/// Needs a Python with pycrdt, pycrdt-websocket and websockets: `$STET_YWS_PYTHON`, else the
/// repository's `.venv` (which `scripts/test` installs from Tests/Oracles/requirements.txt).
final class PycrdtServerTests: XCTestCase {
    func testSyncStep1RoundTrip() throws {
        let (python, script) = try requirements()
        let dir = TempDir("yserver")
        defer { dir.remove() }
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }

        // The server takes a moment to start: retry until a connection opens.
        var client = Recorder()
        var transport: WebSocketTransport?
        let deadline = Date(timeIntervalSinceNow: 20)
        while Date() < deadline {
            client = Recorder()
            transport = WebSocketTransport.connect(url: "ws://127.0.0.1:\(port)/stet-net-test?token=t", handler: client.handler)
            client.wait { $0.contains { if case .opened = $0 { true } else { false } } || Recorder.isClosed($0) }
            if client.opened { break }
            usleep(200_000)
        }
        XCTAssertTrue(client.opened, "could not connect: \(client.closedReason ?? "?")")
        transport?.send([0, 0, 1, 0])  // sync step 1, empty state vector
        let ok = client.wait { events in
            let messages = events.compactMap { if case .message(let m) = $0 { m } else { nil } }
            return messages.contains { $0.starts(with: [0, 0]) } && messages.contains { $0.starts(with: [0, 1]) }
        }
        XCTAssertTrue(ok, "expected the server's step 1 and its step 2 answer; got \(client.messages)")
        transport?.close(reason: "test done")
        XCTAssertEqual(client.waitClosed(), "test done")
    }

    private func requirements() throws -> (python: String, script: String) {
        let environment = ProcessInfo.processInfo.environment
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let pythons = [environment["STET_YWS_PYTHON"], repo + "/.venv/bin/python"]
        let script = repo + "/Tests/Oracles/yws_server.py"
        for case let python? in pythons where FileManager.default.isExecutableFile(atPath: python) {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: python)
            check.arguments = ["-c", "import pycrdt.websocket, pycrdt.store, websockets"]
            check.standardOutput = FileHandle.nullDevice
            check.standardError = FileHandle.nullDevice
            try check.run()
            check.waitUntilExit()
            if check.terminationStatus == 0 { return (python, script) }
        }
        struct MissingOracle: Error, CustomStringConvertible {
            var description: String { "no Python with pycrdt-websocket and websockets: run scripts/test (it installs them into .venv) or set STET_YWS_PYTHON" }
        }
        throw MissingOracle()
    }

    /// A TCP port nothing listens on right now.
    private func freePort() throws -> Int {
        let server = try WebSocketServer.start(port: 0) { _, _, _ in nil }
        defer { server.stop() }
        return server.port
    }
}
