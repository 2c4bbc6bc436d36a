import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `stet join ssh://127.0.0.1:PORT/PATH` over real SSH: a private sshd (its own config, host
/// key and authorized key in a temporary directory) on a free loopback port, logging in as
/// the user running the tests. scripts/test installs openssh-server; without it these tests
/// fail (they never skip).
final class SSHE2ETests: E2ETestCase {
    private var sshd: PrivateSSHD?

    override func tearDown() {
        // The ssh clients go first (their sessions end), then the server.
        tmux?.kill()
        sshd?.stop()
        sshd = nil
        super.tearDown()
    }

    /// Starts the private sshd; the error (which fails the test) says what to install.
    private func startSSHD() throws -> PrivateSSHD {
        let server = try PrivateSSHD()
        sshd = server
        return server
    }

    /// `ssh://127.0.0.1:PORT//ABSOLUTE/PATH` for `name` in the workspace.
    private func address(_ sshd: PrivateSSHD, _ name: String) -> String {
        "ssh://127.0.0.1:\(sshd.port)/" + ws.url(name).path
    }

    /// Starts `stet join ARGS…` in `pane` with STET_SSH set to the private server's client.
    private func startJoin(_ pane: Tmux, _ sshd: PrivateSSHD, _ arguments: [String], environment: String = "",
                           file: StaticString = #filePath, line: UInt = #line) {
        pane.startShell(
            "STET_SSH=\"$1\"; export STET_SSH; shift; \(environment) \"$STET\" join \"$@\"; echo \"[join exited $?]\"; exec sleep 100000",
            [sshd.sshCommand] + arguments, file: file, line: line)
    }

    func testHostAndGuestOverRealSSHMergeTheirTyping() throws {
        let sshd = try startSSHD()
        try ws.write("r.txt", "one\n\ntwo\n")
        // Ann edits r.txt on "the remote host".
        tmux.startStet(["--name", "Ann", "r.txt"])
        tmux.waitFor("Ann's editor") { $0.row(0) == "  1 one" && $0.status.contains("shared") }
        // Bob joins it over ssh; the remote side runs the stet built for these tests. His
        // status bar shows the whole remote path: a wide pane keeps "connected" in view.
        let bob = Tmux(directory: ws.path, columns: 160)
        defer { bob.kill() }
        startJoin(bob, sshd, ["--name", "Bob", "--remote-stet", try XCTUnwrap(StetBinary.path), address(sshd, "r.txt")])
        bob.waitFor("Bob sees the remote text", timeout: 20) {
            $0.row(0) == "  1 one" && $0.row(2) == "  3 two" && $0.status.contains("connected")
        }
        if bob.lastWaitTimedOut { return }
        tmux.waitFor("Ann sees Bob") { $0.status.contains("Bob●") }
        // Both type at once: Ann on the empty last line, Bob on the empty second line. (A
        // cursor's name flag is drawn on the row above it, right of the cursor: here it
        // covers no text.)
        tmux.sendKeys("C-End")
        bob.sendKeys("C-Home", "Down")
        tmux.type("ann")
        bob.type("bob")
        for (pane, who) in [(tmux!, "Ann"), (bob, "Bob")] {
            pane.waitFor("\(who) sees both texts", timeout: 10) {
                $0.row(0).hasPrefix("  1 one") && $0.row(1) == "  2 bob" && $0.row(2).hasPrefix("  3 two") && $0.row(3) == "  4 ann"
            }
        }
        // Bob leaves first (a guest's quit offers a local copy: no), then Ann, saving.
        bob.sendKeys("C-q")
        bob.waitFor("Bob is asked about a local copy") { $0.message.hasPrefix("Save changes") }
        bob.sendKeys("n")
        bob.waitFor("Bob's stet exited") { $0.contains("[join exited 0]") }
        tmux.waitFor("Ann no longer sees Bob", timeout: 10) { !$0.status.contains("Bob") }
        tmux.sendKeys("C-q")
        tmux.waitFor("Ann is asked to save") { $0.message.hasPrefix("Save changes") }
        tmux.sendKeys("y")
        XCTAssertEqual(tmux.waitForExit(), 0)
        XCTAssertBytes(ws.bytes("r.txt"), "one\nbob\ntwo\nann")
    }

    func testJoiningWhenNobodyEditsTheFileRunsABridgeThatKeepsItsHistory() throws {
        let sshd = try startSSHD()
        try ws.write("solo.txt", "alone\n")
        let bob = Tmux(directory: ws.path, columns: 160)
        defer { bob.kill() }
        startJoin(bob, sshd, ["--name", "Bob", "--remote-stet", try XCTUnwrap(StetBinary.path), address(sshd, "solo.txt")])
        bob.waitFor("Bob sees the file through the bridge", timeout: 20) {
            $0.row(0) == "  1 alone" && $0.status.contains("connected")
        }
        if bob.lastWaitTimedOut { return }
        bob.sendKeys("C-Home", "End")
        bob.type(" over ssh")
        bob.waitFor("Bob's edit, not saved yet") { $0.row(0) == "  1 alone over ssh" && $0.status.contains("[+]") }
        // Ctrl-S saves the file on the remote host (the bridge writes it).
        bob.sendKeys("C-s")
        bob.waitFor("saved on the host") { $0.message.contains("saved solo.txt on the host") && !$0.status.contains("[+]") }
        XCTAssertBytes(ws.bytes("solo.txt"), "alone over ssh\n")
        // An edit left unsaved when Bob quits stays in the file's history.
        bob.type("!")
        bob.waitFor("Bob's second edit") { $0.row(0) == "  1 alone over ssh!" && $0.status.contains("[+]") }
        bob.sendKeys("C-q")
        bob.waitFor("asked whether to save") { $0.message.hasPrefix("Save changes") }
        bob.sendKeys("n")
        bob.waitFor("Bob left") { $0.contains("[join exited 0]") }
        // The bridge ends with the connection and leaves the history beside the file.
        XCTAssertTrue(waitUntilNoProcess(mentioning: "bridge " + ws.url("solo.txt").path, timeout: 10),
                      "the remote stet bridge is still running")
        XCTAssertTrue(ws.exists(".stet/solo.txt.stetlog"), "no history beside the file: \(ws.path)/.stet")
        XCTAssertBytes(ws.bytes("solo.txt"), "alone over ssh\n", "the unsaved edit is not in the file")
        // Opening the file shows Bob's unsaved edit from that history; saving writes it.
        open("solo.txt", firstRow: "  1 alone over ssh!")
        tmux.waitFor("the edit came from the file's history") { $0.status.contains("[+]") }
        save()
        XCTAssertBytes(ws.bytes("solo.txt"), "alone over ssh!\n")
    }

    func testAWrongRemoteStetSaysStetIsNotInstalled() throws {
        let sshd = try startSSHD()
        try ws.write("n.txt", "x\n")
        // Wide enough for the whole message.
        let wide = Tmux(directory: ws.path, columns: 240, rows: 10)
        defer { wide.kill() }
        startJoin(wide, sshd, ["--remote-stet", "/nonexistent/stet", address(sshd, "n.txt")])
        let screen = wide.waitFor("the message says stet is not installed there", timeout: 20) {
            $0.message.contains("/nonexistent/stet is not installed on 127.0.0.1")
        }
        XCTAssertTrue(screen.message.contains("--remote-stet"), screen.message)
        XCTAssertFalse(wide.capture().contains("[join exited"), "the guest keeps running (and retrying)")
    }

    func testARemoteShellWithoutStetOnItsPathSaysSo() throws {
        let sshd = try startSSHD()
        try ws.write("n.txt", "x\n")
        let wide = Tmux(directory: ws.path, columns: 240, rows: 10)
        defer { wide.kill() }
        // STET_REMOTE_STET is the fallback for --remote-stet; no such command is on the PATH there.
        startJoin(wide, sshd, [address(sshd, "n.txt")], environment: "STET_REMOTE_STET=stet-not-installed-here")
        let screen = wide.waitFor("the message says stet is not installed there", timeout: 20) {
            $0.message.contains("stet-not-installed-here is not installed on 127.0.0.1 or not on the PATH of non-interactive ssh shells")
        }
        XCTAssertTrue(screen.message.contains("pass --remote-stet /path/to/stet"), screen.message)
    }

    /// Waits until no process has `text` in its command line (the remote `stet bridge PATH`).
    private func waitUntilNoProcess(mentioning text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !processes(mentioning: text).isEmpty {
            if Date() > deadline { return false }
            usleep(25_000)
        }
        return true
    }
}

/// Running processes whose command line (arguments joined by spaces) contains `text`.
private func processes(mentioning text: String) -> [pid_t] {
    let me = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { pid_t($0) }.filter { pid in
        guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let commandLine = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        return commandLine.contains(text) && isRunning(pid)
    }
}

/// An sshd of our own: `/usr/sbin/sshd -D -e -f CONFIG` on a free 127.0.0.1 port, accepting
/// one fresh client key for the user running the tests. Its files live in a temporary
/// directory (no spaces: STET_SSH is split on spaces).
final class PrivateSSHD {
    static let binary = "/usr/sbin/sshd"
    let directory: String
    private(set) var port: Int = 0
    private var pid: pid_t = 0

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The client command for STET_SSH.
    var sshCommand: String {
        "ssh -F /dev/null -i \(directory)/client_key -o IdentitiesOnly=yes -o StrictHostKeyChecking=no"
            + " -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
    }

    init() throws {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: PrivateSSHD.binary) else {
            throw Problem(description: "\(PrivateSSHD.binary) not found: install openssh-server (and openssh-client) to run the ssh end-to-end tests: sudo apt-get install -y openssh-server openssh-client (scripts/test installs them)")
        }
        let base = "/tmp/stet-sshd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try fm.createDirectory(atPath: base, withIntermediateDirectories: true)
        directory = base
        do {
            try start()
        } catch {
            stop()
            throw error
        }
    }

    private func start() throws {
        for kind in ["host_key", "client_key"] {
            try run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "stet-e2e", "-f", "\(directory)/\(kind)"],
                    missing: "ssh-keygen not found: install openssh-client")
        }
        try FileManager.default.copyItem(atPath: "\(directory)/client_key.pub", toPath: "\(directory)/authorized_keys")
        if getuid() == 0 {
            // sshd started as root wants its privilege-separation directory.
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        var lastLog = ""
        // A port found free may be taken before sshd binds it: try a few.
        for _ in 0..<3 {
            port = try freeLoopbackPort()
            let config = """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(directory)/host_key
                AuthorizedKeysFile \(directory)/authorized_keys
                PidFile \(directory)/sshd.pid
                UsePAM no
                StrictModes no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PermitRootLogin prohibit-password
                PrintMotd no
                LogLevel INFO

                """
            try Data(config.utf8).write(to: URL(fileURLWithPath: "\(directory)/sshd_config"))
            let log = "\(directory)/sshd.log"
            pid = try spawnInBackground([PrivateSSHD.binary, "-D", "-e", "-f", "\(directory)/sshd_config"], output: log)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                lastLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if lastLog.contains("Server listening on 127.0.0.1 port \(port)") { return }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    pid = 0
                    break
                }
                usleep(20_000)
            }
            lastLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? lastLog
            if pid != 0 { stopServer() }
            if !lastLog.contains("Address already in use") { break }
        }
        throw Problem(description: "sshd did not start (is openssh-server installed and working? sudo apt-get install -y openssh-server); its log:\n\(lastLog)")
    }

    /// Stops the server and whatever it still runs (sessions whose clients are gone end on their own).
    func stop() {
        let descendants = pid > 0 ? descendantsOf(pid) : []
        stopServer()
        let deadline = Date().addingTimeInterval(5)
        while descendants.contains(where: isRunning) && Date() < deadline { usleep(20_000) }
        for p in descendants where isRunning(p) { kill(p, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func stopServer() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        pid = 0
    }

    private func run(_ argv: [String], missing: String) throws {
        let out = "\(directory)/command.out"
        let status: Int32
        do {
            status = try spawnAndWait(argv, env: ["PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"], stdout: out, stderr: out)
        } catch {
            throw Problem(description: "\(missing) (\(error))")
        }
        guard status == 0 else {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            throw Problem(description: "\(argv.joined(separator: " ")) failed with status \(status): \(text)")
        }
    }
}

/// Every process below `pid` (children of children…), from /proc.
private func descendantsOf(_ pid: pid_t) -> [pid_t] {
    var out: [pid_t] = []
    var queue = [pid]
    while let p = queue.popLast() {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(p)/task")) ?? []
        for t in tasks {
            let text = (try? String(contentsOfFile: "/proc/\(p)/task/\(t)/children", encoding: .utf8)) ?? ""
            let children = text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            out += children
            queue += children
        }
    }
    return out
}

/// A port on 127.0.0.1 that nothing listens on right now.
private func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw PrivateSSHD.Problem(description: "socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw PrivateSSHD.Problem(description: "bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Starts `argv` (an absolute path) with stdin from /dev/null and stdout and stderr appended
/// to `output`, in its own process group; does not wait.
private func spawnInBackground(_ argv: [String], output: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    let cargv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var environment: [UnsafeMutablePointer<CChar>?] = []
    var e = environ
    while let p = e.pointee {
        environment.append(strdup(p))
        e += 1
    }
    environment.append(nil)
    defer {
        for a in cargv { free(a) }
        for a in environment { free(a) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cargv, environment)
    guard rc == 0 else {
        throw PrivateSSHD.Problem(description: "cannot start \(argv[0]): \(String(cString: strerror(rc)))")
    }
    return pid
}
