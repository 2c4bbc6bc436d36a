import Foundation
import StetSync
import XCTest

@testable import StetNet

/// `wss://`: the WebSocket server with a certificate and the client checking it, using the
/// test certificates in Fixtures/tls (see its README for how they were made).
final class TLSTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tls").path
    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    static func localhost() throws -> TLSServerIdentity {
        try TLSServerIdentity.load(certificate: fixture("localhost.pem"), key: fixture("localhost.key"))
    }

    static let trustLocalhost = TLSClientTrust(caFile: fixture("localhost.pem"))

    func testMessagesRoundTripOverTLSByAddressAndByName() throws {
        let echo = try EchoServer(tls: Self.localhost())
        defer { echo.server.stop() }
        for host in ["127.0.0.1", "localhost"] {
            let client = Recorder()
            let t = WebSocketTransport.connect(
                url: "wss://\(host):\(echo.server.port)/room%20one?token=x", trust: Self.trustLocalhost, handler: client.handler)
            client.waitOpened()
            let big = (0..<1_500_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let sent: [[UInt8]] = [[0, 1, 2], [], big, Array("héllo".utf8)]
            for m in sent { t.send(m) }
            XCTAssertEqual(client.waitMessages(sent.count), sent, "over wss://\(host)")
            t.close(reason: "done")
            XCTAssertEqual(client.waitClosed(), "done")
        }
        XCTAssertEqual(echo.rooms, ["room one", "room one"])
        XCTAssertEqual(echo.queries.first?["token"], "x")
        XCTAssertEqual(echo.logLines.all, [], "no handshake trouble logged")
    }

    func testAnUntrustedCertificateIsRefusedWithTheWayOut() throws {
        let echo = try EchoServer(tls: Self.localhost())
        defer { echo.server.stop() }
        let client = Recorder()
        _ = WebSocketTransport.connect(url: echo.url + "/doc", handler: client.handler)
        let reason = client.waitClosed()
        XCTAssertTrue(reason.hasPrefix("TLS handshake with 127.0.0.1:\(echo.server.port) failed: the server's certificate is not trusted"), reason)
        XCTAssertTrue(reason.contains("--ca-file"), reason)
        XCTAssertFalse(client.opened)
        XCTAssertTrue(waitUntil { echo.logLines.all.contains { $0.contains("TLS handshake failed") } }, "\(echo.logLines.all)")
        XCTAssertEqual(echo.recorders.count, 0, "no connection reached the application")
    }

    func testATrustedCertificateForAnotherNameIsRefused() throws {
        let identity = try TLSServerIdentity.load(certificate: Self.fixture("elsewhere.pem"), key: Self.fixture("elsewhere.key"))
        let echo = try EchoServer(tls: identity)
        defer { echo.server.stop() }
        for host in ["127.0.0.1", "localhost"] {
            let client = Recorder()
            _ = WebSocketTransport.connect(
                url: "wss://\(host):\(echo.server.port)/doc", trust: TLSClientTrust(caFile: Self.fixture("elsewhere.pem")),
                handler: client.handler)
            let reason = client.waitClosed()
            XCTAssertTrue(reason.contains("the server's certificate is for another name"), "\(host): \(reason)")
            XCTAssertFalse(client.opened)
        }
        XCTAssertEqual(echo.recorders.count, 0)
    }

    func testPlainAndTLSMismatchesSaySoOnBothSides() throws {
        // A ws:// client at a wss:// server.
        let secure = try EchoServer(tls: Self.localhost())
        defer { secure.server.stop() }
        let plainClient = Recorder()
        _ = WebSocketTransport.connect(url: "ws://127.0.0.1:\(secure.server.port)/doc", handler: plainClient.handler)
        let reason = plainClient.waitClosed()
        XCTAssertTrue(reason.contains("use a wss:// address"), reason)
        XCTAssertTrue(waitUntil { secure.logLines.all.contains { $0.contains("the client does not speak TLS") } }, "\(secure.logLines.all)")

        // A wss:// client at a ws:// server.
        let plain = try EchoServer()
        defer { plain.server.stop() }
        let tlsClient = Recorder()
        _ = WebSocketTransport.connect(
            url: "wss://127.0.0.1:\(plain.server.port)/doc", trust: Self.trustLocalhost, handler: tlsClient.handler)
        let tlsReason = tlsClient.waitClosed()
        XCTAssertTrue(tlsReason.contains("does not speak TLS") && tlsReason.contains("ws://"), tlsReason)
        XCTAssertEqual(plain.recorders.count, 0)
    }

    func testBadCertificateKeyAndCAFilesAreNamedInTheError() throws {
        let garbage = NSTemporaryDirectory() + "stet-tls-garbage-\(getpid()).pem"
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: garbage))
        defer { unlink(garbage) }

        func loadError(_ cert: String, _ key: String) -> String {
            do {
                _ = try TLSServerIdentity.load(certificate: cert, key: key)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        let missing = loadError("/nonexistent/cert.pem", Self.fixture("localhost.key"))
        XCTAssertEqual(missing, "cannot read the TLS certificate /nonexistent/cert.pem: no such file")
        let notPEM = loadError(garbage, Self.fixture("localhost.key"))
        XCTAssertTrue(notPEM.contains("certificate") && notPEM.contains(garbage), notPEM)
        let badKey = loadError(Self.fixture("localhost.pem"), garbage)
        XCTAssertTrue(badKey.hasPrefix("cannot read the TLS private key \(garbage)"), badKey)
        let mismatch = loadError(Self.fixture("localhost.pem"), Self.fixture("elsewhere.key"))
        XCTAssertTrue(mismatch.contains("does not belong to the certificate") || mismatch.contains("does the key belong"), mismatch)
        XCTAssertEqual(loadError(Self.fixture("localhost.pem"), Self.fixture("localhost.key")), "loaded")

        let client = Recorder()
        _ = WebSocketTransport.connect(
            url: "wss://127.0.0.1:1/doc", trust: TLSClientTrust(caFile: "/nonexistent/ca.pem"), handler: client.handler)
        XCTAssertEqual(client.waitClosed(), "cannot read the CA file /nonexistent/ca.pem: no such file")
        let garbageCA = Recorder()
        _ = WebSocketTransport.connect(url: "wss://127.0.0.1:1/doc", trust: TLSClientTrust(caFile: garbage), handler: garbageCA.handler)
        let reason = garbageCA.waitClosed()
        XCTAssertTrue(reason.contains("CA file \(garbage)"), reason)
    }

    func testAGarbageSpewingClientDoesNotStopATLSServer() throws {
        let echo = try EchoServer(tls: Self.localhost())
        defer { echo.server.stop() }
        let raw = try XCTUnwrap(RawSocket(tcpPort: echo.server.port))
        raw.write(Array(repeating: 0x16, count: 5) + (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        XCTAssertTrue(waitUntil { echo.logLines.all.contains { $0.contains("TLS handshake failed") } }, "\(echo.logLines.all)")
        let client = Recorder()
        let t = WebSocketTransport.connect(url: echo.url + "/after", trust: Self.trustLocalhost, handler: client.handler)
        client.waitOpened()
        t.send([42])
        XCTAssertEqual(client.waitMessages(1), [[42]])
    }

    func testARenewedCertificateServesNewConnections() throws {
        let elsewhere = try TLSServerIdentity.load(certificate: Self.fixture("elsewhere.pem"), key: Self.fixture("elsewhere.key"))
        let echo = try EchoServer(tls: elsewhere)
        defer { echo.server.stop() }
        let before = Recorder()
        _ = WebSocketTransport.connect(url: echo.url + "/doc", trust: Self.trustLocalhost, handler: before.handler)
        XCTAssertFalse(before.waitClosed().isEmpty)
        XCTAssertFalse(before.opened, "the old certificate is for another name")
        echo.server.replaceTLSIdentity(try Self.localhost())
        let after = Recorder()
        let t = WebSocketTransport.connect(url: echo.url + "/doc", trust: Self.trustLocalhost, handler: after.handler)
        after.waitOpened()
        t.send([1, 2])
        XCTAssertEqual(after.waitMessages(1), [[1, 2]])
        // A plain server stays plain.
        let plain = try EchoServer()
        defer { plain.server.stop() }
        plain.server.replaceTLSIdentity(try Self.localhost())
        let ws = Recorder()
        let w = WebSocketTransport.connect(url: plain.url + "/doc", handler: ws.handler)
        ws.waitOpened()
        w.send([3])
        XCTAssertEqual(ws.waitMessages(1), [[3]])
    }
}
