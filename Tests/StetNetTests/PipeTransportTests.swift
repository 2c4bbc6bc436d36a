import Foundation
import StetSync
import XCTest

@testable import StetNet

final class StdioTransportTests: XCTestCase {
    /// Two `StdioTransport`s facing each other over two pipes, as a bridge and its SSH client.
    func testMessagesOfManySizesCrossPipesInOrder() throws {
        var aToB: [Int32] = [-1, -1]
        var bToA: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&aToB), 0)
        XCTAssertEqual(pipe(&bToA), 0)
        let a = Recorder()
        let b = Recorder()
        let left = StdioTransport(input: bToA[0], output: aToB[1], handler: a.handler)
        let right = StdioTransport(input: aToB[0], output: bToA[1], handler: b.handler)
        a.waitOpened()
        b.waitOpened()
        let messages = sampleMessages()
        for message in messages { left.send(message) }
        assertSameMessages(b.waitMessages(messages.count), messages)
        for message in messages.reversed() { right.send(message) }
        assertSameMessages(a.waitMessages(messages.count), messages.reversed())
        // Closing one end is end of input for the other.
        right.send([1, 2, 3])
        right.close(reason: "bridge done")
        XCTAssertEqual(b.waitClosed(), "bridge done")
        XCTAssertEqual(a.waitClosed(), "the other side closed the connection")
        XCTAssertEqual(a.messages.last, [1, 2, 3], "a message sent just before close must arrive")
        a.assertNothingAfterClosed()
    }

    func testRegularFileIsRefused() throws {
        let dir = TempDir("stdio")
        defer { dir.remove() }
        let path = dir.path + "/f"
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let input = open(path, O_RDONLY)
        let output = open(path, O_WRONLY)
        let recorder = Recorder()
        _ = StdioTransport(input: input, output: output, handler: recorder.handler)
        XCTAssertTrue(recorder.waitClosed().hasPrefix("cannot use stdin/stdout for syncing"))
    }
}

final class ProcessTransportTests: XCTestCase {
    func testCatEchoesFramesOfManySizes() throws {
        let recorder = Recorder()
        let transport = ProcessTransport.spawn(arguments: ["sh", "-c", "exec cat"], handler: recorder.handler)
        let messages = sampleMessages()
        for message in messages { transport.send(message) }
        recorder.waitOpened()
        assertSameMessages(recorder.waitMessages(messages.count), messages)
        transport.close(reason: "finished")
        XCTAssertEqual(recorder.waitClosed(), "finished")
        recorder.assertNothingAfterClosed()
    }

    func testChildThatEndsReportsItsExit() throws {
        let recorder = Recorder()
        let transport = ProcessTransport.spawn(arguments: ["sh", "-c", "head -c 8; echo bye >&2"], handler: recorder.handler)
        transport.send([0xAA, 0xBB, 0xCC, 0xDD])  // 8 bytes with its header: echoed by head, then EOF
        XCTAssertEqual(recorder.waitMessages(1), [[0xAA, 0xBB, 0xCC, 0xDD]])
        XCTAssertEqual(recorder.waitClosed(), "sh exited: bye")
    }

    func testFailingCommandReportsItsStderr() throws {
        let recorder = Recorder()
        let script = "echo 'ssh: Could not resolve hostname nohost: Name or service not known' >&2; exit 255"
        _ = ProcessTransport.spawn(arguments: ["sh", "-c", script], handler: recorder.handler)
        XCTAssertEqual(
            recorder.waitClosed(),
            "sh exited with status 255: ssh: Could not resolve hostname nohost: Name or service not known")
    }

    func testMissingProgram() {
        let recorder = Recorder()
        _ = ProcessTransport.spawn(arguments: ["/nonexistent/stet-ssh"], handler: recorder.handler)
        XCTAssertEqual(recorder.waitClosed(), "cannot run stet-ssh: no such file or directory")
    }

    func testChildThatIgnoresEndOfInputIsTerminated() throws {
        let recorder = Recorder()
        let dir = TempDir("proc")
        defer { dir.remove() }
        let pidFile = dir.path + "/pid"
        let transport = ProcessTransport.spawn(
            arguments: ["sh", "-c", "echo $$ > \(pidFile); exec sleep 60"], handler: recorder.handler)
        recorder.waitOpened()
        XCTAssertTrue(waitUntil { FileManager.default.fileExists(atPath: pidFile) })
        usleep(100_000)
        let pidText = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try XCTUnwrap(Int32(pidText))
        transport.close(reason: "stop")
        XCTAssertEqual(recorder.waitClosed(), "stop")
        XCTAssertTrue(waitUntil(timeout: 8) { kill(pid, 0) != 0 }, "child still running")
    }

    func testSSHArguments() {
        XCTAssertEqual(
            ProcessTransport.sshBridgeArguments(host: "devbox", path: "~/it's notes.md"),
            ["ssh", "-T", "-e", "none", "--", "devbox", "stet", "bridge", "'it'\\''s notes.md'"])
    }
}
