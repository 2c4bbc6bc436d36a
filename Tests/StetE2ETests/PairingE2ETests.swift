import Foundation
import XCTest

/// Two people on one machine (as over SSH): two `stet` on the same file find each other.
final class PairingE2ETests: E2ETestCase {
    func testTwoStetsOnOneFileEditTogetherAndHandOver() throws {
        try ws.write("p.txt", "one\n")
        tmux.startStet(["--name", "Ann", "p.txt"])
        tmux.waitFor("Ann's editor is up and shared") { $0.row(0) == "  1 one" && $0.status.contains("shared") }
        let bob = Tmux(directory: ws.path)
        defer { bob.kill() }
        bob.startStet(["--name", "Bob", "p.txt"])
        bob.waitFor("Bob joined Ann's session") { $0.status.contains("connected") && $0.status.contains("Ann●") && $0.contains("one") }
        tmux.waitFor("Ann sees Bob as a guest") { $0.status.contains("host · 1 guest") && $0.status.contains("Bob●") }
        // Both type at the same time: Ann at the start, Bob at the end.
        tmux.type("A1 ")
        bob.sendKeys("C-End")
        bob.type("B2")
        // Each screen shows both texts and the other's named cursor (the flag may cover text).
        tmux.waitFor("Ann sees both edits and Bob's flag") { $0.row(0).hasPrefix("  1 A1") && $0.row(1).hasPrefix("  2 B2") && $0.lines.dropLast(2).contains { $0.contains("Bob") } }
        bob.waitFor("Bob sees both edits and Ann's flag") { $0.row(0).hasPrefix("  1 A1") && $0.row(1).hasPrefix("  2 B2") && $0.lines.dropLast(2).contains { $0.contains("Ann") } }
        // Ann leaves without saving; Bob takes over the history and hosts.
        tmux.sendKeys("C-q")
        tmux.waitFor("Ann is asked") { $0.message.hasPrefix("Save changes before quitting?") }
        tmux.sendKeys("n")
        tmux.waitFor("Ann's stet exited") { $0.contains("[run 1: stet exited with status 0]") }
        bob.waitFor("Bob took over", timeout: 10) { $0.status.contains("shared") && !$0.status.contains("Ann") }
        XCTAssertEqual(String(decoding: ws.bytes("p.txt") ?? [], as: UTF8.self), "one\n")
        bob.sendKeys("C-s")
        bob.waitFor("Bob saved") { $0.message.hasPrefix("saved ") }
        XCTAssertEqual(String(decoding: ws.bytes("p.txt") ?? [], as: UTF8.self), "A1 one\nB2")
        bob.sendKeys("C-q")
        bob.waitFor("Bob's stet exited") { $0.contains("[run 1: stet exited with status 0]") }
        // The history beside the file has everything: a new session opens unmodified.
        tmux.startStet(["p.txt"])
        tmux.waitFor("reopened") { $0.row(0) == "  1 A1 one" && $0.row(1) == "  2 B2" && !$0.status.contains("[+]") }
    }
}
