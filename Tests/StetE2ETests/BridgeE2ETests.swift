import Foundation
import XCTest

/// `stet join ssh://host/PATH` runs `ssh host stet bridge PATH`; here "ssh" is a stand-in
/// (STET_SSH) that runs the remote command locally, so the test needs no sshd.
final class BridgeE2ETests: E2ETestCase {
    func testJoiningOverSSHReachesTheStetEditingTheFile() throws {
        try ws.write("r.txt", "remote\n")
        let bin = ws.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/stet", withDestinationPath: try XCTUnwrap(StetBinary.path))
        let fake = ws.path + "/fake-ssh"
        try ws.write("fake-ssh", """
            #!/bin/sh
            # Like ssh HOST COMMAND: skip the options and the host, run the command here.
            while [ "$1" != "--" ]; do shift; done
            shift; shift
            PATH="\(bin):$PATH" exec sh -c "$*"
            """)
        chmod(fake, 0o755)
        // Ann edits r.txt on "the remote host".
        tmux.startStet(["--name", "Ann", "r.txt"])
        tmux.waitFor("Ann's editor") { $0.row(0) == "  1 remote" && $0.status.contains("shared") }
        // Bob joins over "ssh".
        let bob = Tmux(directory: ws.path)
        defer { bob.kill() }
        bob.startShell("STET_SSH=\"$1\" \"$STET\" join --name Bob ssh://devbox/r.txt; echo \"[bob exited $?]\"; exec sleep 100000", [fake])
        bob.waitFor("Bob sees the remote text") { $0.row(0).hasPrefix("  1 remote") && $0.status.contains("connected") }
        tmux.waitFor("Ann sees Bob") { $0.status.contains("Bob●") }
        bob.sendKeys("C-End")
        bob.type("over ssh")
        tmux.waitFor("Ann sees Bob's line") { $0.row(1).hasPrefix("  2 over ssh") }
        tmux.sendKeys("C-s")
        tmux.waitFor("saved") { $0.message.hasPrefix("saved ") }
        XCTAssertEqual(String(decoding: ws.bytes("r.txt") ?? [], as: UTF8.self), "remote\nover ssh")
    }

    func testABridgeWithNobodyEditingOpensTheFileItself() throws {
        try ws.write("solo.txt", "alone\n")
        let bin = ws.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/stet", withDestinationPath: try XCTUnwrap(StetBinary.path))
        try ws.write("fake-ssh", """
            #!/bin/sh
            while [ "$1" != "--" ]; do shift; done
            shift; shift
            PATH="\(bin):$PATH" exec sh -c "$*"
            """)
        chmod(ws.path + "/fake-ssh", 0o755)
        tmux.startShell("STET_SSH=\"$1\" \"$STET\" join --name Bob ssh://devbox/solo.txt; echo \"[bob exited $?]\"; exec sleep 100000", [ws.path + "/fake-ssh"])
        tmux.waitFor("Bob sees the file through the bridge") { $0.row(0).hasPrefix("  1 alone") && $0.status.contains("connected") }
        tmux.sendKeys("C-End")
        tmux.type("typed")
        tmux.sendKeys("C-q")
        tmux.waitFor("asked to save a local copy") { $0.message.hasPrefix("Save changes") }
        tmux.sendKeys("n")
        tmux.waitFor("Bob left") { $0.contains("[bob exited 0]") }
        // The bridge kept the history beside the file: opening it shows Bob's line (unsaved).
        tmux.startStet(["solo.txt"])
        tmux.waitFor("the edit is in the file's history", timeout: 10) { $0.row(1).hasPrefix("  2 typed") && $0.status.contains("[+]") }
    }
}
