import Foundation
import StetSync
import XCTest

@testable import StetNet

/// `ssh://[USER@]HOST[:PORT]/PATH` parsing, the ssh command line built from it, and the
/// message when the remote host has no stet.
final class SSHArgumentsTests: XCTestCase {
    func testHostAndPathWithoutUserOrPort() {
        XCTAssertEqual(SSHTarget(url: "ssh://devbox/notes.md"), SSHTarget(host: "devbox", path: "notes.md"))
        XCTAssertEqual(SSHTarget(url: "ssh://devbox/~/notes.md")?.path, "~/notes.md")
        XCTAssertEqual(SSHTarget(url: "ssh://devbox//srv/notes.md")?.path, "/srv/notes.md")
        XCTAssertEqual(SSHTarget(url: "ssh://devbox/dir/it's notes.md")?.path, "dir/it's notes.md")
    }

    func testUserAndPort() {
        XCTAssertEqual(
            SSHTarget(url: "ssh://ann@devbox:2222/notes.md"),
            SSHTarget(user: "ann", host: "devbox", port: 2222, path: "notes.md"))
        XCTAssertEqual(SSHTarget(url: "ssh://devbox:22//srv/x"), SSHTarget(host: "devbox", port: 22, path: "/srv/x"))
        XCTAssertEqual(SSHTarget(url: "ssh://ann@devbox/x"), SSHTarget(user: "ann", host: "devbox", path: "x"))
        // A user name with "@" in it (an e-mail address): the last "@" ends it.
        XCTAssertEqual(SSHTarget(url: "ssh://ann@example.org@devbox:2200/x")?.user, "ann@example.org")
        XCTAssertEqual(SSHTarget(url: "ssh://ann@example.org@devbox:2200/x")?.host, "devbox")
        // Colons and "@" in the path are the path's.
        XCTAssertEqual(SSHTarget(url: "ssh://devbox/a:b@c"), SSHTarget(host: "devbox", path: "a:b@c"))
    }

    func testIPv6HostsInBrackets() {
        XCTAssertEqual(SSHTarget(url: "ssh://[::1]:2222/notes.md"), SSHTarget(host: "::1", port: 2222, path: "notes.md"))
        XCTAssertEqual(SSHTarget(url: "ssh://[::1]/notes.md"), SSHTarget(host: "::1", path: "notes.md"))
        XCTAssertEqual(
            SSHTarget(url: "ssh://me@[fe80::1%eth0]:22//tmp/x"),
            SSHTarget(user: "me", host: "fe80::1%eth0", port: 22, path: "/tmp/x"))
    }

    func testInvalidAddressesAreRefused() {
        for url in [
            "ws://devbox/notes", "ssh://devbox", "ssh://devbox/", "ssh:///notes.md", "ssh://@devbox/x",
            "ssh://devbox:/x", "ssh://devbox:0/x", "ssh://devbox:65536/x", "ssh://devbox:22a/x", "ssh://devbox:-1/x",
            "ssh://devbox:+22/x", "ssh://devbox:٢٢/x", "ssh://ann@:22/x", "ssh://[::1/x", "ssh://[::1]x/y", "ssh://[]:22/x",
            // Nothing a shell or ssh's option parser could act on, in the host, user or path.
            "ssh://$(id)@devbox/x", "ssh://ann@dev;box/x", "ssh://-oProxyCommand=x/y", "ssh://-ann@devbox/x",
            "ssh://dev`id`box/x", "ssh://[::1;id]/x", "ssh://devbox/\\';id;#", "ssh://devbox/a\nb", "ssh://devbox/a\u{7F}",
        ] {
            XCTAssertNil(SSHTarget(url: url), url)
        }
        // Quotes, spaces and non-ASCII stay allowed in paths: single quotes protect them.
        XCTAssertEqual(SSHTarget(url: "ssh://devbox/Bob's notes é.md")?.path, "Bob's notes é.md")
        XCTAssertEqual(SSHTarget(url: "ssh://ann.b-c_d@my-host.example.com/x")?.destination, "ann.b-c_d@my-host.example.com")
        XCTAssertTrue(SSHTarget.isSafeForRemoteShell("~/.local/bin/stet"))
        XCTAssertFalse(SSHTarget.isSafeForRemoteShell("stet\\'"))
    }

    func testBridgeArgumentsWithoutPort() {
        XCTAssertEqual(
            SSHTarget(url: "ssh://devbox/notes.md")?.bridgeArguments(),
            ["ssh", "-T", "-e", "none", "--", "devbox", "stet", "bridge", "'notes.md'"])
        XCTAssertEqual(
            SSHTarget(url: "ssh://devbox/~/it's notes.md")?.bridgeArguments(),
            ["ssh", "-T", "-e", "none", "--", "devbox", "stet", "bridge", "'it'\\''s notes.md'"])
        XCTAssertEqual(
            SSHTarget(url: "ssh://devbox//srv/notes.md")?.bridgeArguments(),
            ["ssh", "-T", "-e", "none", "--", "devbox", "stet", "bridge", "'/srv/notes.md'"])
        XCTAssertEqual(
            SSHTarget(url: "ssh://devbox/~")?.bridgeArguments(),
            ["ssh", "-T", "-e", "none", "--", "devbox", "stet", "bridge", "'.'"])
    }

    func testBridgeArgumentsWithUserPortAndSSHCommand() {
        XCTAssertEqual(
            SSHTarget(url: "ssh://ann@devbox:2222//srv/notes.md")?.bridgeArguments(ssh: ["ssh", "-i", "/k", "-o", "BatchMode=yes"]),
            ["ssh", "-i", "/k", "-o", "BatchMode=yes", "-T", "-e", "none", "-p", "2222", "--", "ann@devbox",
             "stet", "bridge", "'/srv/notes.md'"])
        XCTAssertEqual(
            SSHTarget(url: "ssh://[::1]:22/notes.md")?.bridgeArguments(),
            ["ssh", "-T", "-e", "none", "-p", "22", "--", "::1", "stet", "bridge", "'notes.md'"])
        XCTAssertEqual(
            ProcessTransport.sshBridgeArguments(host: "devbox", port: 2200, path: "~/n.md"),
            ["ssh", "-T", "-e", "none", "-p", "2200", "--", "devbox", "stet", "bridge", "'n.md'"])
    }

    func testRemoteStetIsQuotedOnlyWhenItNeedsIt() {
        func command(_ remoteStet: String) -> String? {
            SSHTarget(url: "ssh://devbox/n.md")?.bridgeArguments(remoteStet: remoteStet).dropLast(2).last
        }
        XCTAssertEqual(command("stet"), "stet")
        XCTAssertEqual(command("/opt/stet-1.0/bin/stet"), "/opt/stet-1.0/bin/stet")
        XCTAssertEqual(command("~/.local/bin/stet"), "~/.local/bin/stet")
        XCTAssertEqual(command("~/my tools/stet"), "~/'my tools/stet'")
        XCTAssertEqual(command("/opt/my stet/stet"), "'/opt/my stet/stet'")
        XCTAssertEqual(command("stet; rm -rf x"), "'stet; rm -rf x'")
        XCTAssertEqual(command("$HOME/stet"), "'$HOME/stet'")
    }

    func testMissingStetMessage() {
        XCTAssertEqual(
            ProcessTransport.remoteStetMissingMessage(host: "devbox"),
            "stet is not installed on devbox or not on the PATH of non-interactive ssh shells: "
                + "install it there, or pass --remote-stet /path/to/stet")
        XCTAssertTrue(ProcessTransport.remoteStetMissingMessage(host: "devbox", remoteStet: "/opt/stet").hasPrefix(
            "/opt/stet is not installed on devbox"))
    }

    // MARK: the child's end, told apart

    func testExitStatus127GivesTheCommandNotFoundReason() {
        let recorder = Recorder()
        _ = ProcessTransport.spawn(
            arguments: ["sh", "-c", "echo 'sh: 1: stet: not found' >&2; exit 127"], commandNotFoundReason: "no stet there",
            handler: recorder.handler)
        XCTAssertEqual(recorder.waitClosed(), "no stet there")
        recorder.assertNothingAfterClosed()
    }

    func testCommandNotFoundOnStderrGivesTheReason() {
        let recorder = Recorder()
        _ = ProcessTransport.spawn(
            arguments: ["sh", "-c", "echo 'zsh:1: command not found: stet' >&2; exit 1"], commandNotFoundReason: "no stet there",
            missingCommand: "stet", handler: recorder.handler)
        XCTAssertEqual(recorder.waitClosed(), "no stet there")
    }

    /// A remote start-up file that runs a missing command is no sign that stet is missing.
    func testCommandNotFoundAboutAnotherCommandIsNotTheReason() {
        let recorder = Recorder()
        _ = ProcessTransport.spawn(
            arguments: ["sh", "-c", "echo 'bash: line 3: fortune: command not found' >&2; echo 'bash: stet-prompt: command not found' >&2; echo 'broken pipe' >&2; exit 1"],
            commandNotFoundReason: "no stet there", missingCommand: "stet", handler: recorder.handler)
        XCTAssertEqual(
            recorder.waitClosed(),
            "sh exited with status 1: bash: line 3: fortune: command not found / bash: stet-prompt: command not found / broken pipe")
    }

    func testOtherFailuresKeepTheirOwnReason() {
        let recorder = Recorder()
        _ = ProcessTransport.spawn(
            arguments: ["sh", "-c", "echo 'ssh: connect to host devbox port 22: Connection refused' >&2; exit 255"],
            commandNotFoundReason: "no stet there", handler: recorder.handler)
        XCTAssertEqual(recorder.waitClosed(), "sh exited with status 255: ssh: connect to host devbox port 22: Connection refused")
    }

    func testWithoutAReasonStatus127IsReportedAsItIs() {
        let recorder = Recorder()
        _ = ProcessTransport.spawn(
            arguments: ["sh", "-c", "echo 'sh: 1: stet: not found' >&2; exit 127"], handler: recorder.handler)
        XCTAssertEqual(recorder.waitClosed(), "sh exited with status 127: sh: 1: stet: not found")
    }

    /// The whole path a guest uses: `spawnSSHBridge` through a stand-in ssh (the brief's
    /// STET_SSH) that runs the remote command with a PATH lacking stet.
    @available(macOS 15.0, iOS 18.0, *)
    func testSSHBridgeToAHostWithoutStetSaysSo() throws {
        let inbox = Inbox()
        let target = try XCTUnwrap(SSHTarget(url: "ssh://devbox:2222/notes.md"))
        let transport = ProcessTransport.spawnSSHBridge(
            target, ssh: ["sh", "-c", "while [ \"$1\" != -- ]; do shift; done; shift; shift; PATH=/nonexistent exec /bin/sh -c \"$*\"", "fake-ssh"],
            inbox: inbox)
        var reason: String?
        let deadline = Date(timeIntervalSinceNow: 15)
        while reason == nil, Date() < deadline {
            for delivery in inbox.drain() {
                if case .closed(let r) = delivery.event { reason = r }
            }
            if reason == nil { usleep(20_000) }
        }
        _ = transport
        XCTAssertEqual(reason, ProcessTransport.remoteStetMissingMessage(host: "devbox"))
    }
}
