import Foundation
import XCTest

/// `stet share FILE` prints a join line; a guest runs it and edits the file with the host.
final class ShareE2ETests: E2ETestCase {
    func testAGuestJoinsWithThePrintedLine() throws {
        try ws.write("s.txt", "shared file\n")
        tmux.startStet(["share", "--name", "Ann", "s.txt"])
        let screen = tmux.waitFor("the join line") { $0.message.hasPrefix("stet join ws://127.0.0.1:") }
        let line = screen.message
        let url = try XCTUnwrap(line.split(separator: " ").first { $0.hasPrefix("ws://") }.map(String.init))
        XCTAssertTrue(url.hasSuffix(String(url.split(separator: "=").last ?? "")) && url.contains("/s.txt?token="), url)
        let bob = Tmux(directory: ws.path)
        defer { bob.kill() }
        bob.startStet(["join", "--name", "Bob", url])
        bob.waitFor("Bob sees the file") { $0.row(0).hasPrefix("  1 shared file") && $0.status.contains("connected") }
        bob.sendKeys("C-End")
        bob.type("from bob")
        tmux.waitFor("Ann sees Bob's line and name") { $0.row(1).hasPrefix("  2 from bob") && $0.status.contains("Bob●") }
        // A guess at the token is refused.
        let mallory = Tmux(directory: ws.path)
        defer { mallory.kill() }
        mallory.startStet(["join", String(url.prefix { $0 != "?" }) + "?token=0000"])
        mallory.waitFor("refused") { $0.message.contains("403") }
        tmux.sendKeys("C-s")
        tmux.waitFor("saved") { $0.message.hasPrefix("saved ") }
        XCTAssertEqual(String(decoding: ws.bytes("s.txt") ?? [], as: UTF8.self), "shared file\nfrom bob")
    }

    func testSharingOverTLSPrintsAWssLineForTheCertificatesNameThatWorks() throws {
        let tls = repoRoot + "/Tests/StetNetTests/Fixtures/tls/"
        try ws.write("t.txt", "over tls\n")
        // --host-name: the join lines name the host the certificate is for.
        tmux.startStet(["share", "--name", "Ann", "--tls-cert", tls + "localhost.pem", "--tls-key", tls + "localhost.key",
                        "--host-name", "localhost", "t.txt"])
        let screen = tmux.waitFor("the wss join line") { $0.message.hasPrefix("stet join wss://localhost:") }
        let url = try XCTUnwrap(screen.message.split(separator: " ").first { $0.hasPrefix("wss://") }.map(String.init))
        let bob = Tmux(directory: ws.path)
        defer { bob.kill() }
        bob.startStet(["join", "--name", "Bob", "--ca-file", tls + "localhost.pem", url])
        bob.waitFor("Bob sees the file over TLS") { $0.row(0).hasPrefix("  1 over tls") && $0.status.contains("connected") }
        bob.sendKeys("C-End")
        bob.type("bob")
        tmux.waitFor("Ann sees Bob's line") { $0.row(1).hasPrefix("  2 bob") }
    }
}
