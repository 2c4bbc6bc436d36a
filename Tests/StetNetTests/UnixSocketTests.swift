import Foundation
import StetSync
import XCTest

@testable import StetNet

/// A Unix socket server that echoes each message on its connection.
final class UnixEcho: @unchecked Sendable {
    let server: UnixSocketServer
    let logLines = LogLines()
    private let lock = NSLock()
    private var _recorders: [Recorder] = []
    var recorders: [Recorder] { lock.withLock { _recorders } }

    init(path: String, mode: UInt32 = 0o600, maxMessageBytes: Int = NetDefaults.maxMessageBytes) throws {
        let box = Box()
        server = try UnixSocketServer.start(path: path, mode: mode, maxMessageBytes: maxMessageBytes, log: logLines.log) {
            transport in
            let recorder = Recorder()
            box.owner?.lock.withLock { box.owner?._recorders.append(recorder) }
            let record = recorder.handler
            return { event in
                record(event)
                if case .message(let message) = event { transport.send(message) }
            }
        }
        box.owner = self
    }

    private final class Box: @unchecked Sendable { weak var owner: UnixEcho? }
}

final class UnixSocketTests: XCTestCase {
    var dir: TempDir!
    override func setUp() { dir = TempDir("unix") }
    override func tearDown() { dir.remove() }

    var socketPath: String { dir.path + "/notes.md.sock" }

    func testMessagesOfManySizesRoundTripInOrder() throws {
        let echo = try UnixEcho(path: socketPath)
        defer { echo.server.stop() }
        let client = Recorder()
        let transport = UnixSocketTransport.connect(path: socketPath, handler: client.handler)
        let messages = sampleMessages()
        for message in messages { transport.send(message) }
        client.waitOpened()
        assertSameMessages(client.waitMessages(messages.count), messages)
        transport.close(reason: "done")
        XCTAssertEqual(client.waitClosed(), "done")
        XCTAssertEqual(echo.recorders.first?.waitClosed(), "the other side closed the connection")
        XCTAssertEqual(transport.label, "unix:\(socketPath)")
    }

    func testSeveralClients() throws {
        let echo = try UnixEcho(path: socketPath)
        defer { echo.server.stop() }
        let clients = (0..<4).map { _ in Recorder() }
        let transports = clients.map { UnixSocketTransport.connect(path: socketPath, handler: $0.handler) }
        for (index, transport) in transports.enumerated() {
            for n in 0..<50 { transport.send([UInt8(index), UInt8(n)]) }
        }
        for (index, recorder) in clients.enumerated() {
            XCTAssertEqual(recorder.waitMessages(50), (0..<50).map { [UInt8(index), UInt8($0)] })
        }
        XCTAssertEqual(echo.server.connectionCount, 4)
    }

    func testSizeLimitAndGarbageCloseOnlyThatConnection() throws {
        let echo = try UnixEcho(path: socketPath, maxMessageBytes: 1000)
        defer { echo.server.stop() }
        let good = Recorder()
        let goodTransport = UnixSocketTransport.connect(path: socketPath, handler: good.handler)
        good.waitOpened()

        let big = Recorder()
        let bigTransport = UnixSocketTransport.connect(path: socketPath, handler: big.handler)
        bigTransport.send([UInt8](repeating: 0, count: 1001))
        // EOF, or a reset if the server closed before reading everything.
        let reason = big.waitClosed()
        XCTAssertTrue(
            ["the other side closed the connection", "connection error: connection reset by peer"].contains(reason), reason)

        let garbage = try XCTUnwrap(RawSocket(unixPath: socketPath))
        garbage.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(garbage.readUntilClosed().closed)

        XCTAssertTrue(
            echo.logLines.wait { $0.filter { $0.contains("over the limit of 1000 bytes") }.count == 2 }, "\(echo.logLines.all)")

        goodTransport.send([UInt8](repeating: 5, count: 1000))
        XCTAssertEqual(good.waitMessages(1), [[UInt8](repeating: 5, count: 1000)])
        XCTAssertNil(good.closedReason)
    }

    func testTruncatedMessageIsReported() throws {
        let echo = try UnixEcho(path: socketPath)
        defer { echo.server.stop() }
        do {
            let raw = try XCTUnwrap(RawSocket(unixPath: socketPath))
            raw.write([0, 0, 0, 10, 1, 2, 3])
            XCTAssertTrue(waitUntil { echo.recorders.count == 1 })
            usleep(50_000)
        }  // closed here
        let reason = try XCTUnwrap(echo.recorders.first).waitClosed()
        XCTAssertEqual(reason, "the other side closed the connection in the middle of a message (7 bytes of it received)")
    }

    func testSocketPermissionsAndCleanup() throws {
        let echo = try UnixEcho(path: socketPath, mode: 0o660)
        var info = stat()
        XCTAssertEqual(lstat(socketPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o660)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK)
        // The socket is made in a private folder and linked into place: nothing else is left.
        let entries = try FileManager.default.contentsOfDirectory(atPath: (socketPath as NSString).deletingLastPathComponent)
        XCTAssertEqual(entries.filter { $0.hasPrefix(".s-") }, [])
        let client = Recorder()
        _ = UnixSocketTransport.connect(path: socketPath, handler: client.handler)
        client.waitOpened()
        // Accepted, not just queued (closing the listener resets queued connections).
        XCTAssertTrue(waitUntil { echo.server.connectionCount == 1 })
        echo.server.stop()
        XCTAssertEqual(client.waitClosed(), "the other side closed the connection")
        XCTAssertNotEqual(lstat(socketPath, &info), 0, "socket file left behind")
    }

    func testASocketPathTooLongToStageIsBoundInPlaceWithItsMode() throws {
        // A folder so deep that "<folder>/.s-XXXXXX/s" would not fit in a socket address,
        // while "<folder>/a" does: the socket is bound in place under a tight umask.
        let padding = 96 - dir.path.utf8.count
        guard padding >= 2 else { return XCTFail("the temporary folder's path \(dir.path) is too long for this test") }
        let deep = dir.path + "/" + String(repeating: "d", count: padding - 1)
        XCTAssertEqual(deep.utf8.count, 96)
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let path = deep + "/a"
        let echo = try UnixEcho(path: path, mode: 0o640)
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o640)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: deep), ["a"])
        let client = Recorder()
        UnixSocketTransport.connect(path: path, handler: client.handler).send([7])
        XCTAssertEqual(client.waitMessages(1), [[7]])
        echo.server.stop()
        XCTAssertNotEqual(lstat(path, &info), 0)
        // The process's umask is back to what it was.
        let now = umask(0o022)
        umask(now)
        XCTAssertNotEqual(now, 0o177)
    }

    func testRefusesALiveServerAndReplacesAStaleSocket() throws {
        let echo = try UnixEcho(path: socketPath)
        XCTAssertThrowsError(try UnixEcho(path: socketPath)) { error in
            XCTAssertEqual("\(error)", "another stet is already serving unix:\(socketPath)")
        }
        // The failed start must not have removed the live server's socket.
        let client = Recorder()
        let transport = UnixSocketTransport.connect(path: socketPath, handler: client.handler)
        transport.send([1])
        XCTAssertEqual(client.waitMessages(1), [[1]])
        echo.server.stop()

        // A socket file nobody listens on (a crashed server) is replaced.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in socketPath.utf8.enumerated() { buffer[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        close(fd)
        let again = try UnixEcho(path: socketPath)
        defer { again.server.stop() }
        let second = Recorder()
        UnixSocketTransport.connect(path: socketPath, handler: second.handler).send([2])
        XCTAssertEqual(second.waitMessages(1), [[2]])

        // A regular file in the way is never deleted.
        let filePath = dir.path + "/plain"
        _ = FileManager.default.createFile(atPath: filePath, contents: Data("keep".utf8))
        XCTAssertThrowsError(try UnixEcho(path: filePath))
        XCTAssertEqual(FileManager.default.contents(atPath: filePath), Data("keep".utf8))
    }

    func testAcceptCanRefuse() throws {
        let server = try UnixSocketServer.start(path: socketPath) { _ in nil }
        defer { server.stop() }
        let client = Recorder()
        _ = UnixSocketTransport.connect(path: socketPath, handler: client.handler)
        XCTAssertEqual(client.waitClosed(), "the other side closed the connection")
        XCTAssertEqual(server.connectionCount, 0)
    }

    func testConnectToMissingSocket() {
        let client = Recorder()
        _ = UnixSocketTransport.connect(path: dir.path + "/nobody.sock", handler: client.handler)
        XCTAssertEqual(
            client.waitClosed(),
            "cannot connect to unix:\(dir.path)/nobody.sock: no such file or directory (no stet is serving it)")
    }
}
