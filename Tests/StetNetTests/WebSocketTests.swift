import Foundation
import StetSync
import XCTest

@testable import StetNet

/// Echoes every message back on the connection it came from; records what connected.
final class EchoServer: @unchecked Sendable {
    let server: WebSocketServer
    let logLines = LogLines()
    private let lock = NSLock()
    private var _rooms: [String] = []
    private var _queries: [[String: String]] = []
    private var _recorders: [Recorder] = []

    var rooms: [String] { lock.withLock { _rooms } }
    var queries: [[String: String]] { lock.withLock { _queries } }
    /// One recorder per accepted connection (what the server side saw).
    var recorders: [Recorder] { lock.withLock { _recorders } }

    let secure: Bool

    init(
        maxMessageBytes: Int = NetDefaults.maxMessageBytes, pingInterval: Duration = .seconds(30), token: String? = nil,
        tls: TLSServerIdentity? = nil
    ) throws {
        let box = Box()
        secure = tls != nil
        server = try WebSocketServer.start(
            port: 0, tls: tls, maxMessageBytes: maxMessageBytes, pingInterval: pingInterval, log: logLines.log
        ) { room, query, transport in
            box.owner?.accepted(room: room, query: query, transport: transport, token: token)
        }
        box.owner = self
    }

    private func accepted(
        room: String, query: [String: String], transport: Transport, token: String?
    ) -> (@Sendable (TransportEvent) -> Void)? {
        if let token, query["token"] != token {
            if query["token"] != nil { transport.close(reason: "invalid token") }
            return nil
        }
        let recorder = Recorder()
        lock.withLock {
            _rooms.append(room)
            _queries.append(query)
            _recorders.append(recorder)
        }
        let record = recorder.handler
        return { event in
            record(event)
            if case .message(let message) = event { transport.send(message) }
        }
    }

    var url: String { "\(secure ? "wss" : "ws")://127.0.0.1:\(server.port)" }

    private final class Box: @unchecked Sendable { weak var owner: EchoServer? }
}

final class WebSocketTests: XCTestCase {
    func testMessagesOfManySizesRoundTripInOrder() throws {
        let echo = try EchoServer()
        defer { echo.server.stop() }
        let client = Recorder()
        let transport = WebSocketTransport.connect(url: echo.url + "/notes.md", handler: client.handler)
        let messages = sampleMessages()
        for message in messages { transport.send(message) }  // queued until the upgrade is done
        client.waitOpened()
        assertSameMessages(client.waitMessages(messages.count), messages)
        transport.close(reason: "done")
        XCTAssertEqual(client.waitClosed(), "done")
        XCTAssertEqual(echo.rooms, ["notes.md"])
        XCTAssertEqual(transport.label, "ws://127.0.0.1:\(echo.server.port)/notes.md")
    }

    func testSeveralClientsRoomsAndQueries() throws {
        let echo = try EchoServer()
        defer { echo.server.stop() }
        let paths = ["/notes.md@branch?token=abc", "/my%20doc.md?token=a%2Bb&x", "/dir/sub%2Ffile?"]
        let clients = paths.map { _ in Recorder() }
        let transports = zip(paths, clients).map { path, recorder in
            WebSocketTransport.connect(url: echo.url + path, handler: recorder.handler)
        }
        for (index, transport) in transports.enumerated() {
            for n in 0..<20 { transport.send([UInt8(index), UInt8(n)]) }
        }
        for (index, recorder) in clients.enumerated() {
            XCTAssertEqual(recorder.waitMessages(20), (0..<20).map { [UInt8(index), UInt8($0)] })
        }
        XCTAssertEqual(Set(echo.rooms), ["notes.md@branch", "my doc.md", "dir/sub/file"])
        XCTAssertTrue(echo.queries.contains(["token": "abc"]))
        XCTAssertTrue(echo.queries.contains(["token": "a+b", "x": ""]))
        XCTAssertEqual(echo.server.connectionCount, 3)
        for transport in transports { transport.close(reason: "bye") }
        for recorder in echo.recorders {
            XCTAssertEqual(recorder.waitClosed(), "the client closed the connection: bye")
            recorder.assertNothingAfterClosed()
        }
        XCTAssertTrue(waitUntil { echo.server.connectionCount == 0 })
    }

    func testOversizedMessageClosesOnlyThatConnection() throws {
        let echo = try EchoServer(maxMessageBytes: 1000)
        defer { echo.server.stop() }
        let good = Recorder()
        let bad = Recorder()
        let goodTransport = WebSocketTransport.connect(url: echo.url + "/room", handler: good.handler)
        let badTransport = WebSocketTransport.connect(url: echo.url + "/room", handler: bad.handler)
        good.waitOpened()
        bad.waitOpened()
        badTransport.send([UInt8](repeating: 1, count: 1001))
        XCTAssertEqual(bad.waitClosed(), "the server closed the connection: message over the limit of 1000 bytes")
        XCTAssertTrue(echo.logLines.wait { $0.contains { $0.contains("over the limit of 1000 bytes") } }, "\(echo.logLines.all)")
        goodTransport.send([UInt8](repeating: 2, count: 1000))
        XCTAssertEqual(good.waitMessages(1), [[UInt8](repeating: 2, count: 1000)])
        // The server still accepts new connections.
        let late = Recorder()
        let lateTransport = WebSocketTransport.connect(url: echo.url + "/room", handler: late.handler)
        lateTransport.send([9])
        XCTAssertEqual(late.waitMessages(1), [[9]])
    }

    func testFragmentedMessageIsReassembledAndPingsAnswered() throws {
        let echo = try EchoServer()
        defer { echo.server.stop() }
        let raw = try XCTUnwrap(RawSocket(tcpPort: echo.server.port))
        XCTAssertTrue(rawUpgrade(raw, path: "/frag").hasPrefix("HTTP/1.1 101"))
        raw.write(wsFrame(opcode: 0x2, fin: false, Array("ab".utf8)))
        raw.write(wsFrame(opcode: 0x0, fin: false, Array("cd".utf8)))
        raw.write(wsFrame(opcode: 0x9, fin: true, Array("p".utf8)))  // a ping between fragments
        raw.write(wsFrame(opcode: 0x0, fin: true, Array("ef".utf8)))
        var reader = FrameReader(socket: raw)
        let pong = try XCTUnwrap(reader.next())
        XCTAssertEqual(pong.opcode, 0xA)
        XCTAssertEqual(pong.payload, Array("p".utf8))
        let echoed = try XCTUnwrap(reader.next())
        XCTAssertEqual(echoed.opcode, 0x2)
        XCTAssertEqual(echoed.payload, Array("abcdef".utf8))
    }

    func testUnmaskedClientFrameIsAViolation() throws {
        let echo = try EchoServer()
        defer { echo.server.stop() }
        let raw = try XCTUnwrap(RawSocket(tcpPort: echo.server.port))
        XCTAssertTrue(rawUpgrade(raw, path: "/x").hasPrefix("HTTP/1.1 101"))
        raw.write(wsFrame(opcode: 0x2, fin: true, [1, 2, 3], masked: false))
        var reader = FrameReader(socket: raw)
        let close = try XCTUnwrap(reader.next())
        XCTAssertEqual(close.opcode, 0x8)
        XCTAssertEqual(Array(close.payload.prefix(2)), [0x03, 0xEA])  // 1002 protocol error
        XCTAssertEqual(echo.recorders.first?.waitClosed(), "unmasked WebSocket frame from a client")
    }

    func testNonWebSocketRequestsAreRejectedAndTheServerKeepsServing() throws {
        let echo = try EchoServer()
        defer { echo.server.stop() }
        let plain = try XCTUnwrap(RawSocket(tcpPort: echo.server.port))
        plain.write("GET /notes.md HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let answer = String(decoding: plain.readUntilClosed().bytes, as: UTF8.self)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 400"), answer)
        XCTAssertTrue(answer.contains("WebSocket client"), answer)

        let garbage = try XCTUnwrap(RawSocket(tcpPort: echo.server.port))
        garbage.write([0x16, 0x03, 0x01, 0x00, 0xff] + [UInt8](repeating: 0xAB, count: 3000) + Array("\r\n\r\n".utf8))
        let result = garbage.readUntilClosed()
        XCTAssertTrue(result.closed)
        if !result.bytes.isEmpty {
            XCTAssertTrue(String(decoding: result.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 400"))
        }

        let badKey = try XCTUnwrap(RawSocket(tcpPort: echo.server.port))
        badKey.write("GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        let badKeyAnswer = String(decoding: badKey.readUntilClosed().bytes, as: UTF8.self)
        XCTAssertTrue(badKeyAnswer.hasPrefix("HTTP/1.1 4"), badKeyAnswer)

        let client = Recorder()
        let transport = WebSocketTransport.connect(url: echo.url + "/still-up", handler: client.handler)
        transport.send([42])
        XCTAssertEqual(client.waitMessages(1), [[42]])
        XCTAssertEqual(echo.rooms, ["still-up"])
    }

    func testAcceptCanRefuseWithAReason() throws {
        let echo = try EchoServer(token: "s3cret")
        defer { echo.server.stop() }
        let wrong = Recorder()
        _ = WebSocketTransport.connect(url: echo.url + "/doc?token=guess", handler: wrong.handler)
        XCTAssertEqual(wrong.waitClosed(), "the server refused the connection: HTTP 403 Forbidden: invalid token")
        XCTAssertFalse(wrong.opened)
        let missing = Recorder()
        _ = WebSocketTransport.connect(url: echo.url + "/doc", handler: missing.handler)
        XCTAssertEqual(missing.waitClosed(), "the server refused the connection: HTTP 401 Unauthorized: not allowed")
        let right = Recorder()
        let transport = WebSocketTransport.connect(url: echo.url + "/doc?token=s3cret", handler: right.handler)
        transport.send([1])
        XCTAssertEqual(right.waitMessages(1), [[1]])
        XCTAssertEqual(echo.server.connectionCount, 1)
    }

    func testServerStopIsReportedToClients() throws {
        let echo = try EchoServer()
        let client = Recorder()
        _ = WebSocketTransport.connect(url: echo.url + "/r", handler: client.handler)
        client.waitOpened()
        echo.server.stop()
        XCTAssertEqual(client.waitClosed(), "the server closed the connection: the server is shutting down")
        XCTAssertEqual(echo.recorders.first?.waitClosed(), "the server is shutting down")
        client.assertNothingAfterClosed()
        echo.server.stop()  // idempotent
    }

    func testConnectErrorsSayWhatToDo() throws {
        let echo = try EchoServer()
        let port = echo.server.port
        echo.server.stop()
        usleep(100_000)
        let refused = Recorder()
        _ = WebSocketTransport.connect(url: "ws://127.0.0.1:\(port)/doc", handler: refused.handler)
        XCTAssertEqual(
            refused.waitClosed(),
            "cannot connect to 127.0.0.1:\(port): connection refused — is `stet serve` running?")

        let bad = Recorder()
        _ = WebSocketTransport.connect(url: "http://example.com/", handler: bad.handler)
        XCTAssertEqual(bad.waitClosed(), "not a ws:// or wss:// URL: http://example.com/")
    }

    func testAClientThatStopsReadingIsDroppedInsteadOfBufferedForever() throws {
        let logLines = LogLines()
        let serverSide = Recorder()
        let slot = TransportSlot()
        let server = try WebSocketServer.start(port: 0, maxQueuedBytes: 1 << 20, log: logLines.log) { _, _, t in
            slot.set(t)
            return serverSide.handler
        }
        defer { server.stop() }
        let raw = try XCTUnwrap(RawSocket(tcpPort: server.port))
        XCTAssertTrue(rawUpgrade(raw, path: "/slow").hasPrefix("HTTP/1.1 101"))
        serverSide.waitOpened()
        let transport = try XCTUnwrap(slot.get())
        // The raw client never reads: the kernel buffers fill, then NIO's, then it is dropped.
        let chunk = [UInt8](repeating: 7, count: 64 * 1024)
        for _ in 0..<1_000 {
            transport.send(chunk)
            if serverSide.closedReason != nil { break }
            usleep(500)
        }
        let reason = serverSide.waitClosed()
        XCTAssertTrue(reason.hasPrefix("the other side is not reading: "), reason)
        // The server goes on serving others.
        let echoClient = Recorder()
        _ = WebSocketTransport.connect(url: "ws://127.0.0.1:\(server.port)/next", handler: echoClient.handler)
        echoClient.waitOpened()
        _ = raw
    }

    func testSilentClientIsDroppedAfterAMissedPing() throws {
        let echo = try EchoServer(pingInterval: .milliseconds(200))
        defer { echo.server.stop() }
        let lively = Recorder()
        let livelyTransport = WebSocketTransport.connect(url: echo.url + "/a", handler: lively.handler)
        lively.waitOpened()
        let raw = try XCTUnwrap(RawSocket(tcpPort: echo.server.port))
        XCTAssertTrue(rawUpgrade(raw, path: "/silent").hasPrefix("HTTP/1.1 101"))
        XCTAssertTrue(waitUntil { echo.recorders.count == 2 })
        let silent = try XCTUnwrap(echo.recorders.last)
        XCTAssertEqual(silent.waitClosed(timeout: 5), "no answer to a ping for 200 ms: connection presumed dead")
        // The NIO client answers pings: still connected after several intervals.
        usleep(800_000)
        XCTAssertNil(lively.closedReason)
        livelyTransport.send([7])
        XCTAssertEqual(lively.waitMessages(1), [[7]])
    }

    func testCloseWhileConnecting() throws {
        let echo = try EchoServer()
        defer { echo.server.stop() }
        let client = Recorder()
        let transport = WebSocketTransport.connect(url: echo.url + "/early", handler: client.handler)
        transport.send([1])
        transport.close(reason: "changed my mind")
        XCTAssertEqual(client.waitClosed(), "changed my mind")
        usleep(200_000)
        XCTAssertEqual(client.snapshot().count, 1, "\(client.snapshot())")
        transport.send([2])  // after close: dropped, no crash
        transport.close(reason: "again")  // idempotent
        XCTAssertTrue(waitUntil { echo.server.connectionCount == 0 })
    }

    func testInboxVariantNamesTheTransport() throws {
        guard #available(macOS 15.0, *) else {
            XCTFail("Inbox needs macOS 15 (Linux always has it): run these tests on macOS 15 or later")
            return
        }
        let echo = try EchoServer()
        defer { echo.server.stop() }
        let inbox = Inbox()
        let transport = WebSocketTransport.connect(url: echo.url + "/inbox", inbox: inbox)
        transport.send([1, 2])
        var deliveries: [Inbox.Delivery] = []
        XCTAssertTrue(waitUntil { deliveries += inbox.drain(); return deliveries.count >= 2 })
        XCTAssertTrue(deliveries.allSatisfy { $0.source === transport })
        guard case .opened = deliveries[0].event, case .message(let echoed) = deliveries[1].event else {
            return XCTFail("\(deliveries.map(\.event))")
        }
        XCTAssertEqual(echoed, [1, 2])
    }

    func testTokensMatch() {
        XCTAssertTrue(tokensMatch("abc", "abc"))
        XCTAssertFalse(tokensMatch("abd", "abc"))
        XCTAssertFalse(tokensMatch("ab", "abc"))
        XCTAssertFalse(tokensMatch("abc\0", "abc"))
        XCTAssertFalse(tokensMatch("", "abc"))
        XCTAssertTrue(tokensMatch("", ""))
    }

    func testURLParsing() {
        let url = WebSocketURL("ws://example.com:1234/notes.md?token=x#frag")
        XCTAssertEqual(url?.host, "example.com")
        XCTAssertEqual(url?.port, 1234)
        XCTAssertEqual(url?.target, "/notes.md?token=x")
        XCTAssertEqual(url?.displayString, "ws://example.com:1234/notes.md")
        XCTAssertEqual(WebSocketURL("ws://[::1]:9/a b")?.target, "/a%20b")
        XCTAssertEqual(WebSocketURL("ws://[::1]:9/a b")?.hostAndPort, "[::1]:9")
        XCTAssertEqual(WebSocketURL("WS://h")?.target, "/")
        XCTAssertEqual(WebSocketURL("ws://h?x=1")?.target, "/?x=1")
        XCTAssertEqual(WebSocketURL("wss://h/r")?.port, 443)
        XCTAssertNil(WebSocketURL("ws://h:0/"))
        XCTAssertNil(WebSocketURL("ws://:80/"))
        XCTAssertNil(WebSocketURL("tcp://h/"))
        let (room, query) = parseRequestTarget("/caf%C3%A9%2Fnotes.md?token=a%26b&t=1+2&t=3")
        XCTAssertEqual(room, "café/notes.md")
        XCTAssertEqual(query, ["token": "a&b", "t": "1 2"])
        XCTAssertEqual(parseRequestTarget("/%zz%").room, "%zz%")
    }
}

// MARK: Raw WebSocket helpers

/// Performs the upgrade by hand; returns the response head.
func rawUpgrade(_ socket: RawSocket, path: String) -> String {
    socket.write(
        "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    var head: [UInt8] = []
    while !head.ends(with: Array("\r\n\r\n".utf8)) {
        let byte = socket.read(atLeast: 1)
        if byte.isEmpty { break }
        head += byte  // the server sends nothing else before we do
    }
    return String(decoding: head, as: UTF8.self)
}

/// One client frame (masked unless told otherwise).
func wsFrame(opcode: UInt8, fin: Bool, _ payload: [UInt8], masked: Bool = true) -> [UInt8] {
    var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    let maskBit: UInt8 = masked ? 0x80 : 0
    if payload.count < 126 {
        frame.append(maskBit | UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
        frame += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    } else {
        frame.append(maskBit | 127)
        for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
    }
    guard masked else { return frame + payload }
    let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
    return frame + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
}

/// Reads unmasked server frames from a raw socket.
struct FrameReader {
    let socket: RawSocket
    var buffer: [UInt8] = []

    init(socket: RawSocket) { self.socket = socket }

    mutating func next() -> (opcode: UInt8, payload: [UInt8])? {
        func need(_ count: Int) -> Bool {
            while buffer.count < count {
                let more = socket.read(atLeast: 1)
                if more.isEmpty { return false }
                buffer += more
            }
            return true
        }
        guard need(2) else { return nil }
        var length = Int(buffer[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard need(4) else { return nil }
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            offset = 4
        } else if length == 127 {
            guard need(10) else { return nil }
            length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        guard need(offset + length) else { return nil }
        let frame = (buffer[0] & 0x0F, Array(buffer[offset..<offset + length]))
        buffer.removeFirst(offset + length)
        return frame
    }
}

func waitUntil(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

extension Array where Element: Equatable {
    func ends(with suffix: [Element]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}

/// Holds the transport a server's `accept` was given.
final class TransportSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var transport: Transport?
    func set(_ t: Transport) { lock.withLock { transport = t } }
    func get() -> Transport? { lock.withLock { transport } }
}
