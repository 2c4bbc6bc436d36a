import Foundation
import XCTest

/// `stet serve` with `stet join` clients in tmux: typing reaches the other screen, a bad
/// token is refused with a message, rooms survive a server restart.
final class ServeE2ETests: E2ETestCase {
    var server: Process?

    override func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
        super.tearDown()
    }

    /// Starts `stet serve` on an ephemeral port; returns the port it printed.
    func startServer(_ extra: [String] = [], scheme: String = "ws") throws -> Int {
        let out = ws.path + "/serve.out"
        FileManager.default.createFile(atPath: out, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try XCTUnwrap(StetBinary.path))
        p.arguments = ["serve", "--listen", "127.0.0.1:0", "--data", ws.path + "/rooms", "--token", "sek", "--read-only-token", "look"] + extra
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = FileHandle.nullDevice
        try p.run()
        server = p
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let r = text.range(of: scheme + "://127.0.0.1:"), let end = text[r.upperBound...].firstIndex(of: "/"), let port = Int(text[r.upperBound..<end]) {
                return port
            }
            usleep(50_000)
        }
        XCTFail("stet serve did not say where it listens")
        return 0
    }

    func testTwoClientsEditThroughTheServerAndTheRoomPersists() throws {
        let port = try startServer()
        let url = "ws://127.0.0.1:\(port)/team%20notes?token=sek"
        tmux.startStet(["join", "--name", "Ann", url])
        tmux.waitFor("Ann connected") { $0.status.contains("team notes") && $0.status.contains("connected") }
        let bob = Tmux(directory: ws.path)
        defer { bob.kill() }
        bob.startStet(["join", "--name", "Bob", url])
        bob.waitFor("Bob connected and sees Ann") { $0.status.contains("connected") && $0.status.contains("Ann") }
        tmux.type("from ann")
        bob.waitFor("Bob sees Ann's text") { $0.row(0).hasPrefix("  1 from ann") }
        bob.sendKeys("End")
        bob.type(" + bob")
        tmux.waitFor("Ann sees Bob's text") { $0.row(0).hasPrefix("  1 from ann + bob") }
        // A read-only guest sees the text; its typing is dropped by the server and it is told.
        let eve = Tmux(directory: ws.path)
        defer { eve.kill() }
        eve.startStet(["join", "--name", "Eve", "ws://127.0.0.1:\(port)/team%20notes?token=look"])
        eve.waitFor("Eve reads") { $0.row(0).hasPrefix("  1 from ann + bob") }
        eve.type("X")
        eve.waitFor("Eve is told she may only read") { $0.message.contains("read-only") }
        tmux.sendKeys("End")
        tmux.type("!")
        tmux.waitFor("Ann's text without Eve's X") { $0.row(0).hasPrefix("  1 from ann + bob!") }
        // A wrong token is refused with the server's reason.
        let mal = Tmux(directory: ws.path)
        defer { mal.kill() }
        mal.startStet(["join", "ws://127.0.0.1:\(port)/team%20notes?token=nope"])
        mal.waitFor("refused") { $0.message.contains("403") && $0.status.contains("offline") }
        // Restart the server: the room comes back from its history.
        server?.terminate()
        server?.waitUntilExit()
        let again = try startServer()
        let carl = Tmux(directory: ws.path)
        defer { carl.kill() }
        carl.startStet(["join", "--name", "Carl", "ws://127.0.0.1:\(again)/team%20notes?token=sek"])
        carl.waitFor("the room survived the restart") { $0.row(0).hasPrefix("  1 from ann + bob!") && $0.status.contains("connected") }
    }

    /// `stet serve --tls-cert --tls-key`: SIGHUP reloads renewed certificate files for new
    /// connections, and a broken renewal keeps the certificate in use.
    func testSIGHUPReloadsTheCertificate() throws {
        let fixtures = repoRoot + "/Tests/StetNetTests/Fixtures/tls/"
        let cert = ws.path + "/cert.pem", key = ws.path + "/key.pem"
        // At first the server has a certificate for another name: a client trusting it
        // still refuses it.
        try FileManager.default.copyItem(atPath: fixtures + "elsewhere.pem", toPath: cert)
        try FileManager.default.copyItem(atPath: fixtures + "elsewhere.key", toPath: key)
        let port = try startServer(["--tls-cert", cert, "--tls-key", key], scheme: "wss")
        let url = "wss://127.0.0.1:\(port)/renewed?token=sek"
        tmux.startStet(["join", "--name", "Ann", "--ca-file", fixtures + "elsewhere.pem", url])
        tmux.waitFor("refused: certificate for another name") { $0.message.contains("another name") }
        tmux.kill()

        // Renewal: new files, SIGHUP.
        try FileManager.default.removeItem(atPath: cert)
        try FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: fixtures + "localhost.pem", toPath: cert)
        try FileManager.default.copyItem(atPath: fixtures + "localhost.key", toPath: key)
        let server = try XCTUnwrap(self.server)
        kill(server.processIdentifier, SIGHUP)
        XCTAssertTrue(waitForOutput("reloaded the TLS certificate"), serveOutput)
        XCTAssertTrue(server.isRunning)
        let bob = Tmux(directory: ws.path)
        defer { bob.kill() }
        bob.startStet(["join", "--name", "Bob", "--ca-file", fixtures + "localhost.pem", url])
        bob.waitFor("Bob connected over the renewed certificate") { $0.status.contains("connected") }

        // A broken renewal (a key that does not match) keeps the working certificate.
        try FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: fixtures + "elsewhere.key", toPath: key)
        kill(server.processIdentifier, SIGHUP)
        usleep(1_200_000)
        XCTAssertTrue(server.isRunning)
        let carl = Tmux(directory: ws.path)
        defer { carl.kill() }
        carl.startStet(["join", "--name", "Carl", "--ca-file", fixtures + "localhost.pem", url])
        carl.waitFor("Carl connected: the previous certificate is still served") { $0.status.contains("connected") && $0.status.contains("Bob") }
    }

    var serveOutput: String { (try? String(contentsOfFile: ws.path + "/serve.out", encoding: .utf8)) ?? "" }

    func waitForOutput(_ text: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if serveOutput.contains(text) { return true }
            usleep(50_000)
        }
        return false
    }
}
